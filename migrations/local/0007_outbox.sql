-- The offline briefcase (issue 8).

-- Edits made on this computer to purchased leads (stage changes, notes, contact log), oldest
-- first. Device-owned: the server never writes here. A row is written in one local transaction
-- when the agent makes the edit, shown at once over the server's copy of the lead (marked
-- pending), replayed to `POST /v1/sync/mutations` in `seq` order with this install's id, and
-- deleted when the server answers `applied` or `duplicate`. A row the server refused stays,
-- `rejected` with the server's code and message, until the agent retries (a new row, a new
-- seq) or discards it: nothing is dropped silently. AUTOINCREMENT: a seq is never reused, also
-- after rows are deleted, so the server can never take a new edit for a replay.
-- Conflict rule: the server's copy wins; a device stage change dated before a later change
-- made elsewhere is refused (`stale_change`) and shows here.
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id       TEXT NOT NULL,
    change        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rejected')),
    error_code    TEXT,
    error_message TEXT
);

-- The agent's credit statement as sync delivered it. Server-owned: lines never change once
-- written; sync only adds them.
CREATE TABLE ledger_lines (
    id    INTEGER PRIMARY KEY,
    at    TEXT NOT NULL,
    body  TEXT NOT NULL
);

-- Sync's own facts live in sync_state: 'install_id' (device-owned, made once per user file),
-- 'sync_cursor' (server-owned: written in the transaction that applies the page it came with),
-- 'preferences' (server-owned, the last synced AgentPreferencesDto). Purchased leads now come
-- from sync pages; the list fetch's timestamp key is kept as "last synced".
