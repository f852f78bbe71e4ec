//! End to end through the real window: the built `leadmart-app` under Xvfb, driven through
//! WebDriver (tauri-driver + WebKitWebDriver), against the built `leadmart-server`.
//!
//! Run by `cargo xtask test` inside `dbus-run-session` and `keyctl session -`, after building both
//! binaries (this test does not rebuild them). Screenshots go to `target/e2e-artifacts/`.

mod briefcase;
mod buyer_flow;
mod demo;
mod desktop;
mod harness;
mod marketplace;
mod messages;
mod notifications;
mod updates;
mod upload_flow;
