//! The `leadmart-server` binary's payment choice: no silent default, a clear warning at
//! start-up without one, and no start at all for `stripe` without its secrets.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

fn server(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leadmart-server"));
    command
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.join("cli.db").display()))
        .env_remove("LEADMART_PAYMENTS")
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("STRIPE_WEBHOOK_SECRET")
        .env("RUST_LOG", "leadmart_server=info");
    command
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("leadmart_cli_{name}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn without_a_payment_choice_the_server_warns_that_credit_purchases_are_refused() {
    let dir = temp_dir("none");
    let mut child = server(&dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start leadmart-server");
    let stderr = child.stderr.take().expect("stderr");
    let (found, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("payments_not_configured") {
                let _ = found.send(line);
                return;
            }
        }
    });
    let warning = lines.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let warning = warning.expect("the start-up log says credit purchases are refused");
    assert!(warning.contains("WARN"), "it is a warning: {warning}");
    assert!(
        warning.contains("--payments"),
        "it names the way out: {warning}"
    );
}

#[test]
fn stripe_without_its_secrets_does_not_start() {
    let dir = temp_dir("stripe");
    let output = server(&dir)
        .args(["serve", "--bind", "127.0.0.1:0", "--payments", "stripe"])
        .output()
        .expect("run leadmart-server");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !output.status.success(),
        "a half-configured Stripe must not serve"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("STRIPE_SECRET_KEY"),
        "the error names what is missing: {stderr}"
    );
}
