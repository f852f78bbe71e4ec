-- Money fails closed: payments gain the `expired` status (a pending automatic payment that
-- waited too long no longer blocks auto-recharge) and the idempotency key of the credit
-- purchase that started them (a retry resumes the same payment instead of charging again).
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt. Nothing references
-- `payments` by foreign key, so the rebuild is self-contained.

CREATE TABLE payments_new (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    package_code    TEXT    NOT NULL,
    credits         TEXT    NOT NULL,
    amount          TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    provider        TEXT    NOT NULL,
    provider_ref    TEXT,
    checkout_url    TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'settled', 'failed', 'expired')),
    auto            BOOLEAN NOT NULL,
    created_at      TEXT    NOT NULL,
    settled_at      TEXT,
    idempotency_key TEXT
);

INSERT INTO payments_new (id, user_id, package_code, credits, amount, currency, provider,
    provider_ref, checkout_url, status, auto, created_at, settled_at)
SELECT id, user_id, package_code, credits, amount, currency, provider,
    provider_ref, checkout_url, status, auto, created_at, settled_at
FROM payments;

DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;

CREATE UNIQUE INDEX payments_idempotency_key ON payments (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Auto-recharge looks for a buyer's pending automatic payments on every purchase below the
-- threshold.
CREATE INDEX payments_user_status ON payments (user_id, status);
