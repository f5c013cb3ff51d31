-- The sentiment over a window: mean score and item count over the whole UTC minutes from as_of's
-- minute back `minutes - 1` minutes. Same numbers as GET /api/v1/sentiment and the dashboard gauge.
-- last_minute_n tells whether as_of's own minute holds items (then the value is also a series point).
SELECT
    avg(score)                                                                     AS value,
    toUInt32(count())                                                              AS n,
    toUInt32(countIf(published_at >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}))) AS last_minute_n
FROM barometer.scored_items FINAL
WHERE published_at >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - toIntervalMinute({minutes: UInt32} - 1)
  AND published_at <  toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE
