-- Moves the walking system's single table into `scores` (the materialized view above rolls its rows
-- up too), keeps it as `scored_items_legacy`, and makes `barometer.scored_items` the analysts' view:
-- one row per item as the index counts it (live model, duplicates collapsed). The rename comes first:
-- if two services start together, only one rename succeeds, so the rows are copied once.
DROP VIEW IF EXISTS barometer.scored_items_v;

RENAME TABLE barometer.scored_items TO barometer.scored_items_legacy;

INSERT INTO barometer.items
SELECT id, title, url, source, source_kind, published_at, ingested_at, assets, story_id, lang
FROM barometer.scored_items_legacy FINAL;

INSERT INTO barometer.scores
SELECT id, title, url, source, source_kind, published_at, ingested_at, assets, story_id, lang,
       negative, neutral, positive, label, entropy, score, model_version, 0 AS shadow, scored_at
FROM barometer.scored_items_legacy FINAL;

CREATE OR REPLACE VIEW barometer.scored_items AS
SELECT id, title, url, source, source_kind, published_at, ingested_at, assets, story_id, lang,
       negative, neutral, positive, label, entropy, score, model_version, scored_at,
       story_id = id AS is_story_lead
FROM barometer.scores FINAL
WHERE shadow = 0
