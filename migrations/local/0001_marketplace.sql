-- The last marketplace page the app fetched. Server-owned: replaced wholesale by each successful
-- fetch; never edited on the device. `card` is the wire LeadCard as JSON (no contact fields exist
-- on it).
CREATE TABLE marketplace_leads (
    id       TEXT    PRIMARY KEY,
    position INTEGER NOT NULL,
    card     TEXT    NOT NULL
);

-- Small key/value facts about synchronisation (e.g. when the feed was last fetched).
-- Device-owned.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
