//! The app core without a window: the API client, cache, session and every buyer capability
//! against a real server.

mod bindings;
mod briefcase;
mod convergence;
mod encryption;
mod feed;
mod import;
mod live;
mod messages;
mod my_leads;
mod notify;
mod partner;
mod purchase;
mod search;
mod session;
mod support;
