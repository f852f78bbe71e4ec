-- The audit log (issue 13): sensitive admin actions (refund decisions, partner approvals and
-- suspensions, agent verification), each written in the transaction of the action itself, so
-- an action and its record commit together or not at all. Append-only: the triggers refuse any
-- change or deletion, whoever asks.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT    NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users (id),
    action   TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    detail   TEXT    NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
