-- Raw items as ingested, one row per item id whatever model scores them: what re-scoring (backfill)
-- reads, and the count of what was ingested. The scoring service writes each valid raw item here in
-- the same batch as its scores. TTL (retention) is set at start from configuration, see migrate.ts.
CREATE TABLE IF NOT EXISTS barometer.items
(
    id            String,
    title         String,
    url           String COMMENT 'empty when the item has no link',
    source        LowCardinality(String),
    source_kind   LowCardinality(String),
    published_at  DateTime64(3, 'UTC') COMMENT 'event time; never later than ingested_at',
    ingested_at   DateTime64(3, 'UTC'),
    assets        Array(LowCardinality(String)),
    story_id      String COMMENT 'near-duplicates share it; equal to id for the first item of a story',
    lang          LowCardinality(String)
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY id
SETTINGS non_replicated_deduplication_window = 10000
