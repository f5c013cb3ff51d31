// The scoring service's Prometheus metrics, registered on the process's registry (one /metrics shows
// every service in embedded mode).
import { counterOn, gaugeOn, histogramOn, type Registry } from '@barometer/runtime/metrics';

export type ScoringMetrics = ReturnType<typeof createScoringMetrics>;

export function createScoringMetrics(registry: Registry) {
  return {
    items: counterOn(registry, {
      name: 'barometer_scoring_items_total',
      help: 'Raw messages handled by scoring, by outcome (scored, rejected, duplicate: already scored).',
      labelNames: ['outcome'] as const,
    }),
    rejected: counterOn(registry, {
      name: 'barometer_scoring_rejected_total',
      help: 'Messages sent to the dead-letter topic, by reason.',
      labelNames: ['reason'] as const,
    }),
    batchSize: histogramOn(registry, {
      name: 'barometer_scoring_batch_size',
      help: 'Items per ONNX run / ClickHouse insert.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    }),
    modelSeconds: histogramOn(registry, {
      name: 'barometer_scoring_model_seconds',
      help: 'Time of one scoring run (tokenization included).',
      labelNames: ['model_version'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    // A cascade's speed depends on how much of the feed its stages are unsure of: this over
    // barometer_scoring_items_total{outcome="scored"} is the share each later stage answers (stage="2",
    // the accurate model of the shipped cascade, sets most of its cost); summed, what the first passed on.
    deferred: counterOn(registry, {
      name: 'barometer_scoring_deferred_total',
      help: "Texts a later stage of a cascade model answered, by that stage's index from 0 (scoring/models/cascade-sentiment).",
      labelNames: ['model_version', 'stage'] as const,
    }),
    insertSeconds: histogramOn(registry, {
      name: 'barometer_scoring_insert_seconds',
      help: 'Time of one batch write to ClickHouse, retries included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    }),
    chunkSeconds: histogramOn(registry, {
      name: 'barometer_scoring_batch_seconds',
      help: 'Validate + score + insert + publish for one batch.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    insertFailures: counterOn(registry, {
      name: 'barometer_scoring_insert_failures_total',
      help: 'Failed ClickHouse insert attempts (each is retried with backoff).',
    }),
    lag: gaugeOn(registry, {
      name: 'barometer_scoring_consumer_lag',
      help: 'Messages behind the partition end on the raw topic, as of the last fetched batch.',
      labelNames: ['partition'] as const,
    }),
  };
}
