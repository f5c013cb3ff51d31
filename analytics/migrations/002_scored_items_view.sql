-- The analysts' view of scored items: one row per item, duplicates already collapsed.
CREATE VIEW IF NOT EXISTS barometer.scored_items_v AS
SELECT * FROM barometer.scored_items FINAL
