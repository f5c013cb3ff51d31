-- Per-minute sums of score and item counts since a minute: the state the live gateway keeps in memory
-- and rolls forward from the scored topic.
SELECT
    toUInt32(toUnixTimestamp(toStartOfMinute(published_at))) AS minute,
    sum(score)                                                AS sum,
    toUInt32(count())                                         AS n
FROM barometer.scored_items FINAL
WHERE published_at >= {since: DateTime64(3, 'UTC')}
  AND published_at <  toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE
GROUP BY minute
ORDER BY minute
