-- A purchase's price also in hundredths of a credit (exact: credits have two decimals), so a
-- buyer's spend of the day is summed inside the database instead of read row by row into the
-- server on every purchase; `price` stays the column everything else reads.
ALTER TABLE purchases ADD COLUMN price_x100 BIGINT;
UPDATE purchases SET price_x100 = (price * 100)::BIGINT;
ALTER TABLE purchases ALTER COLUMN price_x100 SET NOT NULL;
CREATE INDEX purchases_buyer_time ON purchases (buyer_id, purchased_at);
