-- Accounts, sessions, preferences, the double-entry ledger, credits, purchases and their
-- pipeline, commissions, refunds and idempotency records. Money is TEXT (exact decimal strings),
-- time is RFC 3339 UTC text.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL CHECK (role IN ('agent', 'partner', 'admin')),
    verified      BOOLEAN NOT NULL DEFAULT FALSE,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT    NOT NULL
);

-- Opaque tokens, stored only as SHA-256 hashes. A session groups one access and one refresh
-- token; refreshing replaces both.
CREATE TABLE auth_tokens (
    token_hash TEXT    PRIMARY KEY,
    session_id TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_at TEXT    NOT NULL
);
CREATE INDEX auth_tokens_session ON auth_tokens (session_id);

-- The agent's settings page as one JSON document (AgentPreferencesDto): read whole, written whole.
CREATE TABLE agent_preferences (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    body       TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

-- What commission depends on about a partner.
CREATE TABLE partner_profiles (
    user_id                INTEGER PRIMARY KEY REFERENCES users (id),
    base_rate              TEXT,
    verification_pass_rate TEXT    NOT NULL DEFAULT '0',
    total_uploaded         INTEGER NOT NULL DEFAULT 0
);

ALTER TABLE leads ADD COLUMN partner_id INTEGER REFERENCES users (id);
-- Category-specific attributes (property type, financing, coverage…) as a JSON object.
ALTER TABLE leads ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
-- The score's breakdown as a JSON array of {label, points}.
ALTER TABLE leads ADD COLUMN score_signals TEXT NOT NULL DEFAULT '[]';

-- One row per ledger account ('buyer_wallet:7', 'marketplace_revenue', 'partner_held:3', …)
-- holding its running balance, updated in the same transaction as its entries.
CREATE TABLE ledger_accounts (
    id           INTEGER PRIMARY KEY,
    account      TEXT    NOT NULL UNIQUE,
    unit         TEXT    NOT NULL CHECK (unit IN ('credits', 'money')),
    non_negative BOOLEAN NOT NULL,
    balance      TEXT    NOT NULL DEFAULT '0.00',
    -- The last line of defence behind the shared debit rule.
    CHECK (NOT non_negative OR CAST(balance AS REAL) >= 0)
);

CREATE TABLE ledger_transfers (
    id         INTEGER PRIMARY KEY,
    reason     TEXT    NOT NULL,
    reference  TEXT    NOT NULL,
    amount     TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

-- Exactly two entries per transfer, summing to zero. `balance_after` is kept for accounts with
-- a running balance (wallets, partner balances), NULL for marketplace-side accounts.
CREATE TABLE ledger_entries (
    id            INTEGER PRIMARY KEY,
    transfer_id   INTEGER NOT NULL REFERENCES ledger_transfers (id),
    account_id    INTEGER NOT NULL REFERENCES ledger_accounts (id),
    delta         TEXT    NOT NULL,
    balance_after TEXT   ,
    created_at    TEXT    NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    package_code TEXT    NOT NULL,
    credits      TEXT    NOT NULL,
    amount       TEXT    NOT NULL,
    currency     TEXT    NOT NULL,
    provider     TEXT    NOT NULL,
    provider_ref TEXT,
    checkout_url TEXT,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'settled', 'failed')),
    auto         BOOLEAN NOT NULL,
    created_at   TEXT    NOT NULL,
    settled_at   TEXT
);

CREATE TABLE auto_recharge (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id),
    enabled      BOOLEAN NOT NULL,
    below        TEXT    NOT NULL,
    package_code TEXT    NOT NULL
);

CREATE TABLE purchases (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id),
    buyer_id     INTEGER NOT NULL REFERENCES users (id),
    price        TEXT    NOT NULL,
    purchased_at TEXT    NOT NULL,
    stage        TEXT    NOT NULL DEFAULT 'new',
    stage_since  TEXT    NOT NULL,
    deal_value   TEXT,
    updated_at   TEXT    NOT NULL,
    UNIQUE (lead_id, buyer_id)
);
CREATE INDEX purchases_buyer ON purchases (buyer_id, id);

CREATE TABLE stage_changes (
    id          INTEGER PRIMARY KEY,
    purchase_id INTEGER NOT NULL REFERENCES purchases (id),
    from_stage  TEXT    NOT NULL,
    to_stage    TEXT    NOT NULL,
    at          TEXT    NOT NULL
);

CREATE TABLE lead_notes (
    id          INTEGER PRIMARY KEY,
    purchase_id INTEGER NOT NULL REFERENCES purchases (id),
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE contact_log (
    id          INTEGER PRIMARY KEY,
    purchase_id INTEGER NOT NULL REFERENCES purchases (id),
    channel     TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    note        TEXT
);

CREATE TABLE commissions (
    id          INTEGER PRIMARY KEY,
    purchase_id INTEGER NOT NULL UNIQUE REFERENCES purchases (id),
    partner_id  INTEGER NOT NULL REFERENCES users (id),
    sale_value  TEXT    NOT NULL,
    rate        TEXT    NOT NULL,
    amount      TEXT    NOT NULL,
    bonuses     TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('held', 'payable', 'paid', 'reversed')),
    payable_at  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE refunds (
    id            INTEGER PRIMARY KEY,
    purchase_id   INTEGER NOT NULL UNIQUE REFERENCES purchases (id),
    buyer_id      INTEGER NOT NULL REFERENCES users (id),
    lead_id       INTEGER NOT NULL REFERENCES leads (id),
    reason        TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('requested', 'approved', 'denied')),
    credits       TEXT    NOT NULL,
    requested_at  TEXT    NOT NULL,
    decided_at    TEXT,
    decided_by    INTEGER REFERENCES users (id),
    decision_note TEXT
);

-- Idempotency keys of purchases and client mutation ids of My Leads changes: the first answer
-- is stored and replayed. The row is written in the same transaction as the effect.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL REFERENCES users (id),
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    response     TEXT,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (user_id, key)
);
