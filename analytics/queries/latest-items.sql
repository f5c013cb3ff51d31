-- The latest scored items, newest first: GET /api/v1/items and the dashboard's headline list.
-- Columns come out in the wire shape of ScoredItem (schemas/src/items.ts).
SELECT
    1 AS v, id, title, nullIf(url, '') AS url, source, source_kind, published_at, ingested_at, assets, story_id, lang,
    negative, neutral, positive, label, entropy, score, model_version, scored_at
FROM barometer.scored_items FINAL
ORDER BY published_at DESC, id
LIMIT {limit: UInt32}
