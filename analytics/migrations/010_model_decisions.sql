-- Retraining decisions: one row per candidate that `npm run train` evaluated, promoted or refused, with
-- the figures the gate compared (frozen test split) and the full decision as JSON.
CREATE TABLE IF NOT EXISTS barometer.model_decisions
(
    decided_at        DateTime64(3, 'UTC'),
    candidate_version LowCardinality(String),
    live_version      LowCardinality(String),
    promoted          UInt8,
    tolerance         Float64,
    candidate_macro_f1 Float64,
    live_macro_f1     Float64,
    reasons           Array(String) COMMENT 'why refused; empty when promoted',
    candidate_dir     String,
    decision          String COMMENT 'decision.json as written beside the candidate'
)
ENGINE = MergeTree
ORDER BY decided_at
