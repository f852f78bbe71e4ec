-- Delta sync (issue 8). Each agent's changes are numbered by a counter on their user row: a
-- change takes the next number with an UPDATE of that row, whose lock (held to commit on
-- PostgreSQL) makes one agent's numbers commit in order, so a reader never skips one.
ALTER TABLE users ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;

-- One row per change of an agent's data: `kind` 'lead' (key: the lead id; its purchase,
-- pipeline, notes, contact log or refund changed) or 'preferences' (key: ''). Written in the
-- transaction of the change; read by GET /v1/sync after a cursor.
CREATE TABLE change_log (
    user_id INTEGER NOT NULL REFERENCES users (id),
    seq     INTEGER NOT NULL,
    kind    TEXT   NOT NULL CHECK (kind IN ('lead', 'preferences')),
    key     TEXT   NOT NULL,
    PRIMARY KEY (user_id, seq)
);

-- The last mutation seq each app install of each agent had applied (or refused), updated in
-- the transaction of its effect: a seq at or below it is a replay.
CREATE TABLE device_installs (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    install_id TEXT   NOT NULL,
    last_seq   INTEGER NOT NULL,
    PRIMARY KEY (user_id, install_id)
);

-- Mutations refused for good, so a replay is refused the same way.
CREATE TABLE rejected_mutations (
    user_id    INTEGER NOT NULL,
    install_id TEXT   NOT NULL,
    seq        INTEGER NOT NULL,
    code       TEXT   NOT NULL,
    message    TEXT   NOT NULL,
    PRIMARY KEY (user_id, install_id, seq)
);

-- What exists already is one change each: every purchase, then the preferences.
INSERT INTO change_log (user_id, seq, kind, key)
SELECT buyer_id, ROW_NUMBER() OVER (PARTITION BY buyer_id ORDER BY id), 'lead', CAST(lead_id AS TEXT)
FROM purchases;
INSERT INTO change_log (user_id, seq, kind, key)
SELECT p.user_id,
       COALESCE((SELECT MAX(c.seq) FROM change_log c WHERE c.user_id = p.user_id), 0) + 1,
       'preferences', ''
FROM agent_preferences p;
UPDATE users SET change_seq = COALESCE((SELECT MAX(c.seq) FROM change_log c WHERE c.user_id = users.id), 0);
