-- Sign-in throttling, token purging and honest view counts.

-- One row per failed sign-in, kept for the throttling window (then purged). Stored in the
-- database rather than in memory so that every server process behind one database agrees on
-- how many attempts an account or an address has left. `address` is NULL when the server could
-- not see the caller's address (then only the per-account limit applies).
CREATE TABLE sign_in_failures (
    id        INTEGER PRIMARY KEY,
    account   TEXT    NOT NULL,
    address   TEXT,
    failed_at TEXT    NOT NULL
);
CREATE INDEX sign_in_failures_account ON sign_in_failures (account, failed_at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, failed_at);
CREATE INDEX sign_in_failures_time ON sign_in_failures (failed_at);

-- Expired tokens are purged on sign-in and refresh; this index keeps that delete cheap.
CREATE INDEX auth_tokens_expiry ON auth_tokens (expires_at);

-- Which signed-in agent has previewed which lead: `leads.views` grows only when a row is new,
-- so a view counts once per agent per lead and anonymous previews never count.
CREATE TABLE lead_views (
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (lead_id, user_id)
);
