// Hide the console window of release builds on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `leadmart-app import FILE …`: the import pipeline without a window.
    if let Some(("import", rest)) = args.split_first().map(|(c, r)| (c.as_str(), r)) {
        return leadmart_app::headless::main(rest);
    }
    leadmart_app::run();
    std::process::ExitCode::SUCCESS
}
