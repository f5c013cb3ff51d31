-- The dashboard's line: for each minute of the last 24 h that had items, the mean score over the
-- 1440 minutes ending with it (the rolling 24 h value at that minute), and its item count.
SELECT time, value, n
FROM
(
    SELECT
        minute                                   AS time,
        sum(s) OVER w / sum(c) OVER w            AS value,
        toUInt32(sum(c) OVER w)                  AS n
    FROM
    (
        SELECT
            toInt64(toUnixTimestamp(toStartOfMinute(published_at))) AS minute,
            sum(score) AS s,
            count()    AS c
        FROM barometer.scored_items FINAL
        WHERE published_at >= toStartOfMinute({as_of: DateTime64(3, 'UTC')}) - INTERVAL 2878 MINUTE
          AND published_at <  toStartOfMinute({as_of: DateTime64(3, 'UTC')}) + INTERVAL 1 MINUTE
        GROUP BY minute
    )
    WINDOW w AS (ORDER BY minute RANGE BETWEEN 86340 PRECEDING AND CURRENT ROW)
)
WHERE time >= toInt64(toUnixTimestamp(toStartOfMinute({as_of: DateTime64(3, 'UTC')}))) - 86340
ORDER BY time
