-- The sentiment over a window: mean score and item count over the whole UTC minutes
-- (as_of's minute and the `minutes - 1` before it). Same numbers as GET /api/v1/sentiment.
SELECT
    avg(score)         AS value,
    toUInt32(count())  AS n
FROM barometer.scored_items FINAL
WHERE published_at >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - toIntervalMinute({minutes: UInt32} - 1)
  AND published_at <  toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE
