-- The index over a window, from the per-minute rollups: the count, sum and sum of squares of the
-- counted scores (one per story, live model) over the whole UTC minutes from as_of's minute back
-- `minutes - 1` minutes, the same over the 20 days ending at as_of (the baseline), and how many items
-- fall in as_of's own minute. `asset` '' = all items; `source` '' = every source; `model_version`
-- '' = the live model (shadow = 0), else that version's rows (to compare a candidate with it).
-- Output names differ from the state columns so no alias shadows a column.
-- Same numbers as GET /api/v1/sentiment, the gauge and docs/queries.sql.
WITH
    toStartOfMinute({as_of: DateTime64(3, 'UTC')})                 AS end_minute,
    end_minute - toIntervalMinute({minutes: UInt32} - 1)           AS start_minute,
    end_minute - toIntervalMinute(20 * 1440 - 1)                   AS baseline_start
SELECT
    toUInt64(countMergeIf(n, minute >= start_minute))              AS window_n,
    sumMergeIf(score_sum, minute >= start_minute)                  AS window_sum,
    sumMergeIf(score_sq_sum, minute >= start_minute)               AS window_sq_sum,
    toUInt64(countMergeIf(n, minute = end_minute))                 AS last_minute_n,
    toUInt64(countMergeIf(n, minute >= baseline_start))            AS baseline_n,
    sumMergeIf(score_sum, minute >= baseline_start)                AS baseline_sum
FROM barometer.sentiment_minute_state
WHERE asset = {asset: String}
  AND (({model_version: String} = '' AND shadow = 0) OR model_version = {model_version: String})
  AND ({source: String} = '' OR source = {source: String})
  AND minute >= least(start_minute, baseline_start)
  AND minute <= end_minute
