-- Human labels for the model loop: one row per (item, annotator), the latest label winning.
CREATE TABLE IF NOT EXISTS barometer.labels
(
    id         String,
    annotator  LowCardinality(String),
    label      LowCardinality(String) COMMENT 'negative | neutral | positive',
    labeled_at DateTime64(3, 'UTC'),
    origin     LowCardinality(String) DEFAULT 'ui' COMMENT 'ui | import'
)
ENGINE = ReplacingMergeTree(labeled_at)
ORDER BY (id, annotator)
