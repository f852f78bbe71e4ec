-- Leads this agent bought, with full contact details, notes, contact log and pipeline, so My Leads
-- and the contact buttons work offline. Server-owned: every API answer about a purchased lead
-- (list, detail, purchase, stage/note/contact/refund change) replaces its row; the device never
-- edits `body` on its own, so the server's answer always wins. `body` is the wire PurchasedLead.
CREATE TABLE purchased_leads (
    lead_id      TEXT PRIMARY KEY,
    purchase_id  TEXT NOT NULL,
    purchased_at TEXT NOT NULL,
    body         TEXT NOT NULL
);

CREATE INDEX purchased_leads_by_time ON purchased_leads (purchased_at DESC);

-- One row per purchase the agent started and has not seen answered: the Idempotency-Key to send
-- again when the same purchase is retried (a lost answer must never become a second charge).
-- Device-owned: the server never writes here; a row goes once the server answers (bought or
-- refused).
CREATE TABLE purchase_attempts (
    lead_id         TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    started_at      TEXT NOT NULL
);
