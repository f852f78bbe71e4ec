//! The app core without a window: the API client, cache and feed against a real server.

mod bindings;
mod feed;
