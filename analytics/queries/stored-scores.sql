-- The stored live-model rows of some item ids, in the wire shape of ScoredItem: what scoring republishes
-- for a redelivered item instead of a second, different scoring (e.g. by a model promoted meanwhile).
SELECT
    1 AS v, id, title, nullIf(url, '') AS url, source, source_kind, published_at, ingested_at, assets, story_id, lang,
    negative, neutral, positive, label, entropy, score, model_version, scored_at
FROM barometer.scores FINAL
WHERE shadow = 0 AND id IN {ids: Array(String)}
ORDER BY id, scored_at
LIMIT 1 BY id
