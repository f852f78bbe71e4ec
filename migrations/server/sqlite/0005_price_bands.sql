-- A lead's price per freshness band and the two instants its band changes (shared
-- `PriceBands`), so SQL filters, sorts and pages browse by the current price exactly without
-- pricing every open lead. Prices are integer hundredths of a credit so that both engines
-- compare them as numbers. NULL only until the server fills them in at start-up for leads
-- listed before this migration (`marketplace::store::backfill_price_bands`).
ALTER TABLE leads ADD COLUMN price_fresh_x100 INTEGER;
ALTER TABLE leads ADD COLUMN price_mid_x100 INTEGER;
ALTER TABLE leads ADD COLUMN price_stale_x100 INTEGER;
ALTER TABLE leads ADD COLUMN mid_price_from TEXT;
ALTER TABLE leads ADD COLUMN stale_price_from TEXT;

-- One index per browse order, over open leads only; the price order reads the three band
-- indexes and merges them.
CREATE INDEX leads_open_newest ON leads (listed_at DESC, id DESC) WHERE status = 'listed';
CREATE INDEX leads_open_score ON leads (score DESC, id DESC) WHERE status = 'listed';
CREATE INDEX leads_open_price_fresh ON leads (price_fresh_x100, id) WHERE status = 'listed';
CREATE INDEX leads_open_price_mid ON leads (price_mid_x100, id) WHERE status = 'listed';
CREATE INDEX leads_open_price_stale ON leads (price_stale_x100, id) WHERE status = 'listed';
-- Whether a band holds any open lead at all (no listing lasts into the stale band by default):
-- probed before the price order reads that band's price index, which it would otherwise scan
-- to its end.
CREATE INDEX leads_open_mid_from ON leads (mid_price_from, expires_at) WHERE status = 'listed';
CREATE INDEX leads_open_stale_from ON leads (stale_price_from, expires_at) WHERE status = 'listed';
CREATE INDEX leads_unpriced ON leads (id) WHERE price_fresh_x100 IS NULL;
-- Superseded by the partial indexes above; left in place, it lured SQLite's planner into reading
-- every listed lead and sorting them.
DROP INDEX leads_feed;
