-- The labeling queue: items the sampler picked for a human to label (most uncertain, one per story,
-- balanced across assets and sources). One row per id; `uncertainty` is the entropy when it was picked.
CREATE TABLE IF NOT EXISTS barometer.label_queue
(
    id          String,
    queued_at   DateTime64(3, 'UTC'),
    uncertainty Float64 COMMENT 'entropy in nats of the live model''s probabilities when sampled',
    strategy    LowCardinality(String) COMMENT 'entropy | least_confidence'
)
ENGINE = ReplacingMergeTree(queued_at)
ORDER BY id
