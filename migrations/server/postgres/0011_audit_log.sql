-- The audit log (issue 13): sensitive admin actions (refund decisions, partner approvals and
-- suspensions, agent verification), each written in the transaction of the action itself, so
-- an action and its record commit together or not at all. Append-only: the trigger refuses any
-- change or deletion (and TRUNCATE), whoever asks.
CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL,
    actor_id BIGINT      NOT NULL REFERENCES users (id),
    action   TEXT        NOT NULL,
    subject  TEXT        NOT NULL,
    detail   TEXT        NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
