-- The refund guardian (issue 13): the leads whose closing refund window this computer already
-- reminded the agent of, so each lead is reminded once. Device-owned: sync never touches it.
CREATE TABLE refund_reminders (
    lead_id     TEXT PRIMARY KEY,
    reminded_at TEXT NOT NULL
);
