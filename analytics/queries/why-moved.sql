-- "Why it moved": the counted items (one per story, live model) of the window ending at as_of, each
-- with its contribution to the change of the mean versus the window just before:
-- (score - previous mean) / current n. These sum to current mean - previous mean exactly, so the
-- items listed first (largest |contribution|) are the ones that moved the index most. When the
-- previous window is empty its mean is taken as 0 (neutral). `asset` '' = all items.
WITH
    toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE   AS cur_end,
    cur_end - toIntervalMinute({minutes: UInt32})                        AS cur_start,
    cur_start - toIntervalMinute({minutes: UInt32})                      AS prev_start,
    (
        SELECT avg(score) FROM barometer.scores FINAL
        WHERE shadow = 0 AND story_id = id AND ({asset: String} = '' OR has(assets, {asset: String}))
          AND published_at >= prev_start AND published_at < cur_start
    ) AS prev_mean,
    (
        SELECT count() FROM barometer.scores FINAL
        WHERE shadow = 0 AND story_id = id AND ({asset: String} = '' OR has(assets, {asset: String}))
          AND published_at >= cur_start AND published_at < cur_end
    ) AS cur_n
SELECT
    1 AS v, id, title, nullIf(url, '') AS url, source, source_kind, published_at, ingested_at, assets, story_id, lang,
    negative, neutral, positive, label, entropy, score, model_version, scored_at,
    (score - ifNull(prev_mean, 0)) / cur_n AS contribution
FROM barometer.scores FINAL
WHERE shadow = 0 AND story_id = id AND ({asset: String} = '' OR has(assets, {asset: String}))
  AND published_at >= cur_start AND published_at < cur_end
ORDER BY abs(contribution) DESC, published_at DESC, id
LIMIT {limit: UInt32}
