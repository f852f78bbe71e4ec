-- A purchase's price also in hundredths of a credit (exact: credits have two decimals), so a
-- buyer's spend of the day is summed inside the database instead of read row by row into the
-- server on every purchase; `price` stays the exact text everything else reads. The backfill
-- goes through REAL once: for two-decimal amounts below 2^53 / 100 the nearest double times
-- 100 rounds back to the exact integer.
ALTER TABLE purchases ADD COLUMN price_x100 INTEGER;
UPDATE purchases SET price_x100 = CAST(ROUND(CAST(price AS REAL) * 100) AS INTEGER);
-- SQLite adds a NOT NULL column only with a default, and a default would silently count a
-- purchase written without its hundredths as free: refuse such a row instead.
CREATE TRIGGER purchases_price_x100_required BEFORE INSERT ON purchases
WHEN NEW.price_x100 IS NULL
BEGIN
    SELECT RAISE(ABORT, 'purchases.price_x100 is required');
END;
CREATE INDEX purchases_buyer_time ON purchases (buyer_id, purchased_at);
