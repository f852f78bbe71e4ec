-- The speed-to-lead log (issue 9): for each lead the router matched this agent to, when its
-- `lead.matched` event arrived, when its native notification was shown (NULL: not shown —
-- alerts off, quiet hours, paused — or not yet) and when the agent opened it from the
-- notification (NULL: never). Times are RFC 3339 UTC. Device-owned: the server never writes
-- here and sync never replaces it; the first arrival of a lead is kept.
CREATE TABLE lead_alerts (
    lead_id     TEXT PRIMARY KEY,
    event_id    INTEGER NOT NULL,
    arrived_at  TEXT NOT NULL,
    shown_at    TEXT,
    opened_at   TEXT
);
