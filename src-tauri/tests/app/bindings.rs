//! `ui/src/bindings.ts` must equal a fresh export, or the UI type-checks against a stale API.

use std::path::PathBuf;

fn committed_bindings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts")
}

#[test]
fn committed_bindings_equal_a_fresh_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh_path = dir.path().join("bindings.ts");
    leadmart_app::export_bindings(&fresh_path).expect("bindings export");
    let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh export");
    if std::env::var_os("LEADMART_WRITE_BINDINGS").is_some() {
        std::fs::write(committed_bindings(), &fresh).expect("write ui/src/bindings.ts");
        return;
    }
    let committed = std::fs::read_to_string(committed_bindings()).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/bindings.ts is stale: run `cargo xtask bindings` and commit the result"
    );
}
