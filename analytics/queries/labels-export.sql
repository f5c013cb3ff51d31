-- Collected labels with their text, for export (CSV / JSONL / Label Studio) and for retraining: the
-- latest label of each (item, annotator), oldest first.
SELECT l.id AS id, i.title AS text, l.label AS label, l.annotator AS annotator, l.labeled_at AS labeled_at, l.origin AS origin
FROM barometer.labels AS l FINAL
INNER JOIN barometer.items AS i FINAL ON i.id = l.id
ORDER BY l.labeled_at, l.id, l.annotator
