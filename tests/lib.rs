//! Shared plumbing for the workspace-level tests lives in `e2e/`; this crate has no library code.
