-- The latest scored items (live model), newest first, optionally for one asset, source or label:
-- GET /api/v1/items and the dashboard's headline list. Every item is listed, story followers too
-- (the index counts a story once, the list shows what was published). Columns come out in the wire
-- shape of ScoredItem (schemas/src/items.ts). '' = no filter. `since` bounds the scan (the table is
-- ordered by day first); the caller widens it when the recent days hold too few items.
SELECT
    1 AS v, id, title, nullIf(url, '') AS url, source, source_kind, published_at, ingested_at, assets, story_id, lang,
    negative, neutral, positive, label, entropy, score, model_version, scored_at
FROM barometer.scores FINAL
WHERE shadow = 0
  AND published_at >= {since: DateTime64(3, 'UTC')}
  AND ({asset: String} = '' OR has(assets, {asset: String}))
  AND ({source: String} = '' OR source = {source: String})
  AND ({label: String} = '' OR label = {label: String})
ORDER BY published_at DESC, id
LIMIT {limit: UInt32}
