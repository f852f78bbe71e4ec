-- Leads as the marketplace lists them. Money is TEXT (exact decimal strings); time is RFC 3339 UTC.
CREATE TABLE leads (
    id              INTEGER PRIMARY KEY,
    category        TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    country         TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    city            TEXT    NOT NULL,
    area            TEXT    NOT NULL,
    postal_code     TEXT    NOT NULL DEFAULT '',
    currency        TEXT    NOT NULL,
    budget_min      TEXT    NOT NULL,
    budget_max      TEXT    NOT NULL,
    urgency         TEXT    NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    exclusivity     TEXT    NOT NULL CHECK (exclusivity IN ('exclusive', 'shared')),
    max_buyers      INTEGER NOT NULL CHECK (max_buyers >= 1),
    purchases       INTEGER NOT NULL DEFAULT 0 CHECK (purchases >= 0 AND purchases <= max_buyers),
    views           INTEGER NOT NULL DEFAULT 0,
    contact_name    TEXT    NOT NULL,
    contact_email   TEXT,
    contact_phone   TEXT,
    contact_address TEXT,
    phone_verified  BOOLEAN NOT NULL DEFAULT FALSE,
    verification    TEXT    NOT NULL DEFAULT 'pending',
    source          TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'listed',
    created_at      TEXT    NOT NULL,
    listed_at       TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL
);

CREATE INDEX leads_feed ON leads (status, id DESC);
