-- Live events, lead intake and the router.

-- Every event a user's SSE stream delivers, in id order; the id is the stream's `Last-Event-ID`.
-- AUTOINCREMENT so an id is never handed out twice, even if old events are pruned one day.
-- SQLite has one writer at a time, so ids commit in id order and a reader that saw id n has
-- seen every id below it.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT    NOT NULL,
    -- The EventPayload as JSON, exactly as the stream sends it.
    data       TEXT    NOT NULL,
    lead_id    INTEGER REFERENCES leads (id),
    created_at TEXT    NOT NULL
);
CREATE INDEX events_user ON events (user_id, id);

-- Which agents the router matched a lead to (they got `lead.matched`): they hear when it sells out.
CREATE TABLE lead_matches (
    lead_id    INTEGER NOT NULL REFERENCES leads (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    scope      TEXT    NOT NULL CHECK (scope IN ('exact', 'region')),
    matched_at TEXT    NOT NULL,
    PRIMARY KEY (lead_id, user_id)
);

-- The router's outcome per listed lead; `unrouted` ones (nobody matched, even region-wide) are
-- the admins' queue until an admin clears them.
CREATE TABLE lead_routing (
    lead_id   INTEGER PRIMARY KEY REFERENCES leads (id),
    scope     TEXT    NOT NULL CHECK (scope IN ('exact', 'region', 'unrouted')),
    notified  INTEGER NOT NULL,
    routed_at TEXT    NOT NULL,
    cleared_at TEXT
);
CREATE INDEX lead_routing_unrouted ON lead_routing (routed_at) WHERE scope = 'unrouted' AND cleared_at IS NULL;

-- Intake API keys for integrations: only the SHA-256 of the key is kept; revoked keys stay for
-- the audit trail.
CREATE TABLE intake_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    key_hash   TEXT    NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT    NOT NULL,
    revoked_at TEXT
);

-- Accepted and refused web-form submissions per address, kept for the rate-limit window: in the
-- database so every server process behind one database counts the same.
CREATE TABLE intake_submissions (
    id           INTEGER PRIMARY KEY,
    address      TEXT    NOT NULL,
    submitted_at TEXT    NOT NULL
);
CREATE INDEX intake_submissions_address ON intake_submissions (address, submitted_at);

-- An agent's notification settings (NotificationSettingsDto) as one JSON document.
CREATE TABLE notification_settings (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    body       TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
