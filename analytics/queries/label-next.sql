-- The next queued items an annotator has not labeled yet, most uncertain first, in the wire shape of
-- ScoredItem (live model), and how many are left in the queue for them.
SELECT
    1 AS v, s.id AS id, title, nullIf(url, '') AS url, source, source_kind, published_at, ingested_at, assets, story_id, lang,
    negative, neutral, positive, label, entropy, score, model_version, scored_at
FROM barometer.scores AS s FINAL
INNER JOIN (SELECT id, uncertainty FROM barometer.label_queue FINAL) AS q ON q.id = s.id
WHERE s.shadow = 0
  AND s.id NOT IN (SELECT id FROM barometer.labels WHERE annotator = {annotator: String})
ORDER BY q.uncertainty DESC, s.id
LIMIT {limit: UInt32}
