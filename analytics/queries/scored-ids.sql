-- Which of a batch's item ids the live model has already scored: the scoring service inserts only the
-- others, so a message redelivered in a differently cut batch (after a crash before the offset commit)
-- is not counted twice in the rollups. A point lookup through the bloom-filter index on id.
SELECT DISTINCT id
FROM barometer.scores
WHERE shadow = 0 AND id IN {ids: Array(String)}
