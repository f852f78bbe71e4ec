//! The central API's integration tests: a real server on a random loopback port, over a real
//! SQLite file and a real PostgreSQL database. Every test runs on both engines.

mod audit;
mod auth;
mod bad_input;
mod cli;
mod contention;
mod credits;
mod demo_history;
mod events;
mod harness;
mod intake;
mod inventory;
mod marketplace;
mod my_leads;
mod openapi;
mod partners;
mod payments;
mod purchases;
mod refunds;
mod sync;
mod time_zone;
mod uploads;
