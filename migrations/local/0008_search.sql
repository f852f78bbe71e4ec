-- Offline search of the briefcase (issue 8): full-text over each purchased lead's customer name,
-- company, area, requirements and notes. Derived, never edited on its own: the triggers below
-- keep it equal to `purchased_leads` (server-owned, so the server's copy wins here too), one row
-- per lead with the lead's rowid. Diacritics fold ("José" finds "Jose"); prefixes of two and
-- three characters are indexed for search-as-you-type. The lead's id and what the filters test
-- ride along unindexed, so a search never reads the lead bodies.
CREATE VIRTUAL TABLE lead_search USING fts5(
    name,
    company,
    area,
    requirements,
    notes,
    lead_id UNINDEXED,
    lead_score UNINDEXED,
    lead_category UNINDEXED,
    bought_at UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- What the index holds of a lead, read from its wire body: the one definition the triggers and
-- the backfill share.
CREATE VIEW lead_search_source AS
SELECT
    p.rowid AS id,
    json_extract(p.body, '$.contact.name') AS name,
    json_extract(p.body, '$.lead.attributes.company') AS company,
    concat_ws(' ', json_extract(p.body, '$.lead.card.area'), json_extract(p.body, '$.lead.card.city'),
        json_extract(p.body, '$.lead.postalCode')) AS area,
    concat_ws(' ', json_extract(p.body, '$.lead.card.title'), json_extract(p.body, '$.lead.description'),
        json_extract(p.body, '$.lead.card.category')) AS requirements,
    (SELECT group_concat(json_extract(n.value, '$.body'), ' ') FROM json_each(p.body, '$.notes') AS n)
        AS notes,
    p.lead_id AS lead_id,
    json_extract(p.body, '$.lead.card.score') AS lead_score,
    json_extract(p.body, '$.lead.card.category') AS lead_category,
    p.purchased_at AS bought_at
FROM purchased_leads AS p;

CREATE TRIGGER lead_search_on_insert AFTER INSERT ON purchased_leads BEGIN
    INSERT INTO lead_search (rowid, name, company, area, requirements, notes, lead_id, lead_score, lead_category, bought_at)
    SELECT id, name, company, area, requirements, notes, lead_id, lead_score, lead_category, bought_at FROM lead_search_source WHERE id = new.rowid;
END;

CREATE TRIGGER lead_search_on_update AFTER UPDATE ON purchased_leads BEGIN
    DELETE FROM lead_search WHERE rowid = old.rowid;
    INSERT INTO lead_search (rowid, name, company, area, requirements, notes, lead_id, lead_score, lead_category, bought_at)
    SELECT id, name, company, area, requirements, notes, lead_id, lead_score, lead_category, bought_at FROM lead_search_source WHERE id = new.rowid;
END;

CREATE TRIGGER lead_search_on_delete AFTER DELETE ON purchased_leads BEGIN
    DELETE FROM lead_search WHERE rowid = old.rowid;
END;

INSERT INTO lead_search (rowid, name, company, area, requirements, notes, lead_id, lead_score, lead_category, bought_at)
SELECT id, name, company, area, requirements, notes, lead_id, lead_score, lead_category, bought_at FROM lead_search_source;
