-- Entries that moved their account's balance when written are settled; the others are
-- accrued: an account's balance is `ledger_accounts.balance` plus its unsettled entries.
-- Before this, only the entries with a `balance_after` had moved a balance.
ALTER TABLE ledger_entries ADD COLUMN settled BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE ledger_entries SET settled = FALSE WHERE balance_after IS NULL;
CREATE INDEX ledger_entries_unsettled ON ledger_entries (account_id) WHERE NOT settled;
