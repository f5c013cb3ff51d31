-- Per-minute rollups of the index: for each minute, asset ('' = every item, else one row per asset the
-- item is tagged with), source, model version and shadow flag, the count, sum and sum of squares of
-- `score` (mean and confidence band follow from these) and the label counts, as -State aggregates
-- merged by readers with -Merge. Only story leads (story_id = id) flow in, so a syndicated story counts
-- once; the index reads shadow = 0 (the live model), a comparison of two versions reads by model_version.
CREATE TABLE IF NOT EXISTS barometer.sentiment_minute_state
(
    asset          LowCardinality(String) COMMENT 'empty = all items',
    shadow         UInt8 COMMENT '1 = a candidate model scoring beside the live one',
    minute         DateTime('UTC'),
    source         LowCardinality(String),
    source_kind    LowCardinality(String),
    model_version  LowCardinality(String),
    n              AggregateFunction(count),
    score_sum      AggregateFunction(sum, Float64),
    score_sq_sum   AggregateFunction(sum, Float64),
    negative_n     AggregateFunction(sum, UInt64),
    neutral_n      AggregateFunction(sum, UInt64),
    positive_n     AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY (asset, shadow, minute, source, source_kind, model_version)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS barometer.sentiment_minute_mv TO barometer.sentiment_minute_state AS
SELECT
    arrayJoin(arrayConcat([''], arrayDistinct(assets))) AS asset,
    shadow,
    toStartOfMinute(published_at)                         AS minute,
    source,
    source_kind,
    model_version,
    countState()                                          AS n,
    sumState(score)                                       AS score_sum,
    sumState(score * score)                               AS score_sq_sum,
    sumState(toUInt64(label = 'negative'))                AS negative_n,
    sumState(toUInt64(label = 'neutral'))                 AS neutral_n,
    sumState(toUInt64(label = 'positive'))                AS positive_n
FROM barometer.scores
WHERE story_id = id
GROUP BY asset, shadow, minute, source, source_kind, model_version;

-- The analysts' per-minute view: one row per minute × asset × source × model version (× shadow).
CREATE OR REPLACE VIEW barometer.sentiment_minute AS
SELECT
    asset,
    shadow,
    minute,
    source,
    source_kind,
    model_version,
    countMerge(n)                          AS n,
    sumMerge(score_sum)                    AS score_sum,
    sumMerge(score_sq_sum)                 AS score_sq_sum,
    score_sum / n                          AS mean_score,
    sumMerge(negative_n)                   AS negative_n,
    sumMerge(neutral_n)                    AS neutral_n,
    sumMerge(positive_n)                   AS positive_n
FROM barometer.sentiment_minute_state
GROUP BY asset, shadow, minute, source, source_kind, model_version
