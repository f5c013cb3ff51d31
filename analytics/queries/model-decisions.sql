-- The latest retraining decisions, newest first: what the gate decided and on which figures.
SELECT decided_at, candidate_version, live_version, promoted, tolerance, candidate_macro_f1, live_macro_f1, reasons, candidate_dir, decision
FROM barometer.model_decisions
ORDER BY decided_at DESC
LIMIT {limit: UInt32}
