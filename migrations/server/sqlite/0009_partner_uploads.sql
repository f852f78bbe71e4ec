-- Partner uploads: resumable chunked upload jobs, the rows each chunk rejected, the dedupe keys
-- of every lead on the marketplace, partner review and suspension, payouts.

-- An upload job; its progress is the sum over its chunks, so a restart loses nothing.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    partner_id   INTEGER NOT NULL REFERENCES users (id),
    file_name    TEXT    NOT NULL,
    category     TEXT,
    -- The mapped columns (UploadColumn[]) as JSON.
    columns      TEXT    NOT NULL,
    row_count    INTEGER NOT NULL,
    content_hash TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('open', 'completed', 'cancelled')),
    created_at   TEXT    NOT NULL,
    completed_at TEXT
);
CREATE INDEX uploads_partner ON uploads (partner_id, id);

-- Each chunk once: a chunk sent again is answered from here (same rows) or refused.
CREATE TABLE upload_chunks (
    upload_id       INTEGER NOT NULL REFERENCES uploads (id),
    n               INTEGER NOT NULL,
    body_hash       TEXT    NOT NULL,
    rows            INTEGER NOT NULL,
    accepted        INTEGER NOT NULL,
    rejected        INTEGER NOT NULL,
    duplicates      INTEGER NOT NULL,
    listed          INTEGER NOT NULL,
    awaiting_review INTEGER NOT NULL,
    received_at     TEXT    NOT NULL,
    PRIMARY KEY (upload_id, n)
);

-- Rejected rows as they were sent, with their reasons (the rejections file).
CREATE TABLE upload_rejections (
    id        INTEGER PRIMARY KEY,
    upload_id INTEGER NOT NULL REFERENCES uploads (id),
    chunk     INTEGER NOT NULL,
    line      INTEGER NOT NULL,
    -- The cells as a JSON array of strings.
    cells     TEXT    NOT NULL,
    codes     TEXT    NOT NULL,
    reasons   TEXT    NOT NULL
);
CREATE INDEX upload_rejections_upload ON upload_rejections (upload_id, chunk, line);

-- The dedupe keys (first 128 bits of the shared SHA-256 keys, hex) of the leads on the
-- marketplace: one owner per key. A partner's lead owns `partner_id`; a platform-owned one
-- has none and takes a key over from a partner's lead (platform leads win).
CREATE TABLE lead_keys (
    key_hash   TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    lead_id    INTEGER NOT NULL REFERENCES leads (id),
    partner_id INTEGER REFERENCES users (id),
    upload_id  INTEGER REFERENCES uploads (id),
    line       INTEGER
);

ALTER TABLE leads ADD COLUMN upload_id INTEGER REFERENCES uploads (id);
-- Whether the lead's dedupe keys are in lead_keys (leads from before them are keyed at start-up).
ALTER TABLE leads ADD COLUMN keyed BOOLEAN NOT NULL DEFAULT FALSE;
-- Why a partner's lead is off the marketplace: 'review' (a draft until the partner is
-- approved), 'suspended' (withdrawn while the partner is suspended; back when unsuspended).
ALTER TABLE leads ADD COLUMN held_for TEXT;
CREATE INDEX leads_partner ON leads (partner_id, status) WHERE partner_id IS NOT NULL;
CREATE INDEX leads_unkeyed ON leads (id) WHERE NOT keyed;

ALTER TABLE partner_profiles ADD COLUMN approved BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE partner_profiles ADD COLUMN suspended BOOLEAN NOT NULL DEFAULT FALSE;
-- What the partner score is computed from (rows sent, duplicates among them, verdicts).
ALTER TABLE partner_profiles ADD COLUMN rows_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partner_profiles ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partner_profiles ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE partner_profiles ADD COLUMN verified_passed INTEGER NOT NULL DEFAULT 0;

CREATE INDEX commissions_partner ON commissions (partner_id, status, payable_at);

CREATE TABLE payouts (
    id           INTEGER PRIMARY KEY,
    partner_id   INTEGER NOT NULL REFERENCES users (id),
    amount       TEXT    NOT NULL,
    currency     TEXT    NOT NULL,
    provider     TEXT    NOT NULL,
    provider_ref TEXT,
    requested_at TEXT    NOT NULL
);
CREATE INDEX payouts_partner ON payouts (partner_id, id);
