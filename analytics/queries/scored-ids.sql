-- Which of a batch's item ids are already scored: by any live model (shadow = 0: a model swap must not
-- score an item twice into the index), or, for a shadow model, by that same version. The scoring
-- service inserts only the others, so a message redelivered in a differently cut batch (after a crash
-- before the offset commit) is not counted twice in the rollups. A point lookup through the bloom
-- filter on id.
SELECT DISTINCT id
FROM barometer.scores
WHERE id IN {ids: Array(String)}
  AND shadow = {shadow: UInt8}
  AND (shadow = 0 OR model_version = {model_version: String})
