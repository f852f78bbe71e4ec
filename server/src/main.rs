//! The `leadmart-server` binary: `serve`, `migrate`, `seed-demo`.

use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use leadmart_server::{AppState, Db, demo};
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
#[command(name = "leadmart-server", about = "Leadmart's central API")]
struct Cli {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://leadmart.db")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations, then serve the API. Prints `listening on http://ADDR` once bound.
    Serve {
        /// Address to bind; port 0 picks a free port.
        #[arg(long, env = "LEADMART_BIND", default_value = "127.0.0.1:8710")]
        bind: SocketAddr,
        /// Insert the demo data first (no-op when leads exist).
        #[arg(long)]
        seed_demo: bool,
    },
    /// Apply migrations and exit.
    Migrate,
    /// Apply migrations and insert demo data (no-op when leads exist).
    SeedDemo,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "leadmart_server=info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let db = Db::connect(&cli.database_url)
        .await
        .with_context(|| format!("could not open the database at {}", cli.database_url))?;
    db.migrate().await.context("could not apply migrations")?;
    match cli.command {
        Command::Migrate => println!("migrations applied ({})", db.engine()),
        Command::SeedDemo => {
            let inserted = demo::seed_demo(&db, chrono::Utc::now()).await?;
            println!("demo data: {inserted} leads inserted");
        }
        Command::Serve { bind, seed_demo } => {
            if seed_demo {
                demo::seed_demo(&db, chrono::Utc::now()).await?;
            }
            let listener = TcpListener::bind(bind)
                .await
                .with_context(|| format!("could not listen on {bind}"))?;
            let addr = listener.local_addr()?;
            // Parsed by the run command and the end-to-end tests to learn the chosen port.
            println!("listening on http://{addr}");
            leadmart_server::serve(listener, AppState::new(db), shutdown_signal()).await?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
