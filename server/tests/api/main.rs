//! The central API's integration tests: a real server on a random loopback port, over a real
//! SQLite file and a real PostgreSQL database. Every test runs on both engines.

mod harness;
mod marketplace;
