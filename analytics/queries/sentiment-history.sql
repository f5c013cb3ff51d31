-- The rolling index as a series: at every `step`-second bucket over the `span` before as_of, the
-- count, sum and sum of squares of the counted scores in the `window` ending with that bucket's last
-- minute. Buckets without items are filled (WITH FILL), so the line carries the window's value through
-- quiet periods; buckets whose window is empty come out with n = 0 and are dropped by the caller.
-- `window_s` must be a multiple of `step` (the API guarantees it). Same rows as sentiment-window.sql.
WITH
    toStartOfInterval(toStartOfMinute({as_of: DateTime64(3, 'UTC')}), toIntervalSecond({step: UInt32})) AS last_bucket,
    last_bucket - toIntervalSecond({span_s: UInt32} - {step: UInt32})                                    AS first_bucket
SELECT time, n, score_sum, score_sq_sum, step_n
FROM
(
    SELECT
        t                                                                 AS time,
        b_n                                                               AS step_n,
        toUInt64(sum(b_n) OVER w)                                         AS n,
        sum(b_sum) OVER w                                                 AS score_sum,
        sum(b_sq) OVER w                                                  AS score_sq_sum
    FROM
    (
      SELECT toInt64(toUnixTimestamp(bucket)) AS t, b_n, b_sum, b_sq
      FROM
      (
        SELECT
            toStartOfInterval(minute, toIntervalSecond({step: UInt32}))   AS bucket,
            toUInt64(countMerge(n))                                       AS b_n,
            sumMerge(score_sum)                                           AS b_sum,
            sumMerge(score_sq_sum)                                        AS b_sq
        FROM barometer.sentiment_minute_state
        WHERE asset = {asset: String}
        AND (({model_version: String} = '' AND shadow = 0) OR model_version = {model_version: String})
          AND ({source: String} = '' OR source = {source: String})
          AND minute >= first_bucket - toIntervalSecond({window_s: UInt32})
          AND minute <  last_bucket + toIntervalSecond({step: UInt32})
          AND minute <= toStartOfMinute({as_of: DateTime64(3, 'UTC')})
        GROUP BY bucket
        ORDER BY bucket WITH FILL
            FROM toDateTime(first_bucket - toIntervalSecond({window_s: UInt32}), 'UTC')
            TO toDateTime(last_bucket + toIntervalSecond({step: UInt32}), 'UTC')
            STEP toIntervalSecond({step: UInt32})
      )
    )
    -- range_s = window_s - step: the buckets before this one that the window still covers.
    WINDOW w AS (ORDER BY t RANGE BETWEEN {range_s: UInt32} PRECEDING AND CURRENT ROW)
)
WHERE time >= toInt64(toUnixTimestamp(first_bucket))
ORDER BY time
