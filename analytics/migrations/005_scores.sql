-- Scores: one row per (item, model version), with the item's columns beside them (ClickHouse reads
-- wide rows best). `shadow` = 1 marks a candidate model scoring beside the live one: kept, never
-- counted in the index. Ordered by day first so time-range reads prune; the bloom filter on id makes
-- the scoring service's "already scored?" check a point lookup. The insert token plus the dedup window
-- make a retried batch a no-op (https://clickhouse.com/docs/guides/developer/deduplicating-inserts-on-retries).
CREATE TABLE IF NOT EXISTS barometer.scores
(
    id            String,
    title         String,
    url           String COMMENT 'empty when the item has no link',
    source        LowCardinality(String),
    source_kind   LowCardinality(String),
    published_at  DateTime64(3, 'UTC'),
    ingested_at   DateTime64(3, 'UTC'),
    assets        Array(LowCardinality(String)),
    story_id      String,
    lang          LowCardinality(String),
    negative      Float64,
    neutral       Float64,
    positive      Float64,
    label         LowCardinality(String),
    entropy       Float64 COMMENT 'nats; 0 = certain, ln 3 = uniform',
    score         Float64 COMMENT 'positive - negative, in [-1, 1]: what every index averages',
    model_version LowCardinality(String),
    shadow        UInt8 DEFAULT 0 COMMENT '1 = candidate model, not counted',
    scored_at     DateTime64(3, 'UTC'),
    INDEX id_bloom id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(scored_at)
ORDER BY (toDate(published_at), id, model_version)
SETTINGS non_replicated_deduplication_window = 10000
