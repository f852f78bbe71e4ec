-- Money fails closed: payments gain the `expired` status (a pending automatic payment that
-- waited too long no longer blocks auto-recharge) and the idempotency key of the credit
-- purchase that started them (a retry resumes the same payment instead of charging again).

ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('pending', 'settled', 'failed', 'expired'));

ALTER TABLE payments ADD COLUMN idempotency_key TEXT;

CREATE UNIQUE INDEX payments_idempotency_key ON payments (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Auto-recharge looks for a buyer's pending automatic payments on every purchase below the
-- threshold.
CREATE INDEX payments_user_status ON payments (user_id, status);
