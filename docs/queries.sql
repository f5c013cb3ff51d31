-- Barometer: the SQL behind every number the API and the dashboard show, written against the
-- analysts' views over the scored rows (not the rollups the API reads), so anyone can check them.
-- analytics/src/docs-queries.test.ts runs each block below and asserts it agrees with the API.
--
-- Run them with clickhouse-client against a server (parameters as --param_as_of='2026-11-23 12:00:00'
-- --param_minutes=1440 --param_asset='' ...), or in embedded mode with `npm run sql -- "…"` after
-- substituting the parameters.
--
-- Conventions:
--   * times are UTC; a window of `minutes` is the whole UTC minutes from as_of's minute back
--     `minutes - 1` minutes (24 h = 1440, 7 d = 10080, 30 d = 43200, 1 h = 60);
--   * the index counts one row per story (is_story_lead: the story's first item) from the live model;
--   * `asset` '' means every item, else items tagged with it; `source` '' means every source;
--   * the 0–100 index is round(50 · (mean score + 1)).

-- name: sentiment_window
-- GET /api/v1/sentiment?window=…&asset=…&source=… and the gauge: value, index, n and the 95 % band.
SELECT
    avg(score)                                                   AS value,
    round(50 * (avg(score) + 1))                                 AS index,
    count()                                                      AS n,
    greatest(-1, avg(score) - 1.96 * stddevSamp(score) / sqrt(count())) AS band_low,
    least(1, avg(score) + 1.96 * stddevSamp(score) / sqrt(count()))     AS band_high
FROM barometer.scored_items
WHERE is_story_lead
  AND ({asset: String} = '' OR has(assets, {asset: String}))
  AND ({source: String} = '' OR source = {source: String})
  AND published_at >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - toIntervalMinute({minutes: UInt32} - 1)
  AND published_at <  toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE;

-- name: baseline_20d
-- The `baseline` of a SentimentValue: the mean over the 20 days ending at as_of; delta = value - this.
SELECT avg(score) AS baseline
FROM barometer.scored_items
WHERE is_story_lead
  AND ({asset: String} = '' OR has(assets, {asset: String}))
  AND ({source: String} = '' OR source = {source: String})
  AND published_at >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - toIntervalMinute(20 * 1440 - 1)
  AND published_at <  toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE;

-- name: rolling_series
-- GET /api/v1/sentiment/history (window 24 h, resolution 1 min) and the dashboard line: for every
-- minute of the last 24 h, the mean over the 1440 minutes ending with it; minutes whose window is
-- empty are left out.
SELECT toInt64(toUnixTimestamp(m.minute)) AS time, avg(s.score) AS value, count() AS n
FROM
(
    SELECT toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - toIntervalMinute(number) AS minute
    FROM numbers(1440)
) AS m
INNER JOIN
(
    SELECT score, toStartOfMinute(published_at) AS p
    FROM barometer.scored_items
    WHERE is_story_lead
      AND ({asset: String} = '' OR has(assets, {asset: String}))
      AND published_at >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - INTERVAL 2879 MINUTE
      AND published_at <  toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE
) AS s ON 1 = 1
WHERE s.p > m.minute - INTERVAL 1440 MINUTE AND s.p <= m.minute
GROUP BY m.minute
ORDER BY time;

-- name: why_moved
-- GET /api/v1/why and the "why it moved" panel: each counted item's contribution to the change of the
-- window's mean versus the window before, (score - previous mean) / current n; they sum to the change.
WITH
    toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE AS cur_end,
    cur_end - toIntervalMinute({minutes: UInt32})                      AS cur_start,
    cur_start - toIntervalMinute({minutes: UInt32})                    AS prev_start,
    (SELECT avg(score) FROM barometer.scored_items
      WHERE is_story_lead AND ({asset: String} = '' OR has(assets, {asset: String}))
        AND published_at >= prev_start AND published_at < cur_start) AS prev_mean,
    (SELECT count() FROM barometer.scored_items
      WHERE is_story_lead AND ({asset: String} = '' OR has(assets, {asset: String}))
        AND published_at >= cur_start AND published_at < cur_end)    AS cur_n
SELECT id, title, score, (score - ifNull(prev_mean, 0)) / cur_n AS contribution
FROM barometer.scored_items
WHERE is_story_lead AND ({asset: String} = '' OR has(assets, {asset: String}))
  AND published_at >= cur_start AND published_at < cur_end
ORDER BY abs(contribution) DESC, published_at DESC, id
LIMIT 10;

-- name: latest_items
-- GET /api/v1/items and the headline list: every item (story followers too), newest first.
SELECT id, title, source, published_at, label, negative, neutral, positive, assets
FROM barometer.scored_items
WHERE ({asset: String} = '' OR has(assets, {asset: String}))
  AND ({source: String} = '' OR source = {source: String})
ORDER BY published_at DESC, id
LIMIT 50;

-- name: sentiment_minute
-- The per-minute rollup itself, for charts of your own: the index's rows for one asset ('' = all).
SELECT minute, sum(n) AS items, sum(score_sum) / sum(n) AS mean_score
FROM barometer.sentiment_minute
WHERE asset = {asset: String}
  AND minute >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - toIntervalMinute({minutes: UInt32} - 1)
  AND minute <= toStartOfMinute({as_of: DateTime64(3, 'UTC')})
GROUP BY minute
ORDER BY minute;
