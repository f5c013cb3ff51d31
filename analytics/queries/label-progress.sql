-- One annotator's progress through the labeling queue: queued items they have labeled, and the queue's size.
SELECT
    (SELECT count() FROM barometer.labels FINAL
      WHERE annotator = {annotator: String} AND id IN (SELECT id FROM barometer.label_queue)) AS done,
    (SELECT count() FROM barometer.label_queue FINAL) AS queued
