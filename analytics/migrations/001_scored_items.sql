-- Scored items, one row per item id: what the scoring service writes and every reader queries.
-- ReplacingMergeTree on id keeps the latest scoring of an item (readers use FINAL, so a redelivered
-- item counts once even before parts merge); the dedup window makes a retried batch insert with the
-- same insert_deduplication_token a no-op (https://clickhouse.com/docs/guides/developer/deduplicating-inserts-on-retries).
CREATE TABLE IF NOT EXISTS barometer.scored_items
(
    id            String,
    title         String,
    url           String COMMENT 'empty when the item has no link',
    source        LowCardinality(String),
    source_kind   LowCardinality(String),
    published_at  DateTime64(3, 'UTC') COMMENT 'event time of the item; never later than ingested_at',
    ingested_at   DateTime64(3, 'UTC'),
    assets        Array(LowCardinality(String)),
    negative      Float64,
    neutral       Float64,
    positive      Float64,
    label         LowCardinality(String),
    entropy       Float64,
    score         Float64 COMMENT 'positive - negative, in [-1, 1]',
    model_version LowCardinality(String),
    scored_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(scored_at)
ORDER BY id
SETTINGS non_replicated_deduplication_window = 10000
