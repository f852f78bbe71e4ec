//! Property tests of the marketplace rules: one integration-test binary, one module per rule.

#![allow(clippy::unwrap_used)]

use leadmart_shared::contact::PhoneParser;
use std::sync::LazyLock;

/// Built once: compiling the region's patterns per proptest case would dominate the run.
pub static INDIA: LazyLock<PhoneParser> = LazyLock::new(|| PhoneParser::new("IN").unwrap());

mod analytics;
mod commission;
mod contact_links;
mod dedupe;
mod local_time;
mod phone;
mod pipeline;
mod preview;
mod pricing;
mod secrets;
