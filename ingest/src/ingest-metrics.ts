// Ingest's Prometheus metrics, registered on the registry the process hands over (one per process, so
// in embedded mode they sit beside scoring's and the gateway's on one /metrics).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngestMetrics {
  itemsRead: Counter<'source_kind'>;
  itemsPublished: Counter<'source_kind'>;
  itemsFiltered: Counter<'reason'>;
  duplicates: Counter;
  sourceUp: Gauge<'source'>;
  sourceLastSuccess: Gauge<'source'>;
  sourceFailures: Counter<'source' | 'code'>;
  fetchDuration: Histogram<'outcome'>;
  publishLag: Histogram<'source_kind'>;
}

/** The metric named `name` if this registry already has it (RSS sources and the pipeline share them), else a new one. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function ingestMetricsOf(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    itemsRead: once(registry, 'barometer_ingest_items_read_total', () =>
      new Counter({ name: 'barometer_ingest_items_read_total', help: 'Entries read from sources, before cleaning, filters and dedup.', labelNames: ['source_kind'], registers })),
    itemsPublished: once(registry, 'barometer_ingest_items_published_total', () =>
      new Counter({ name: 'barometer_ingest_items_published_total', help: 'Items published to the raw topic.', labelNames: ['source_kind'], registers })),
    itemsFiltered: once(registry, 'barometer_ingest_items_filtered_total', () =>
      new Counter({ name: 'barometer_ingest_items_filtered_total', help: 'Items dropped by a quality filter (or left empty by cleaning), by reason.', labelNames: ['reason'], registers })),
    duplicates: once(registry, 'barometer_ingest_duplicates_total', () =>
      new Counter({ name: 'barometer_ingest_duplicates_total', help: 'Items whose normalized title another source already published.', registers })),
    sourceUp: once(registry, 'barometer_ingest_source_up', () =>
      new Gauge({ name: 'barometer_ingest_source_up', help: '1 when the source\'s last read succeeded, 0 when it failed.', labelNames: ['source'], registers })),
    sourceLastSuccess: once(registry, 'barometer_ingest_source_last_success_timestamp_seconds', () =>
      new Gauge({ name: 'barometer_ingest_source_last_success_timestamp_seconds', help: 'Unix time of the source\'s last successful read.', labelNames: ['source'], registers })),
    sourceFailures: once(registry, 'barometer_ingest_source_failures_total', () =>
      new Counter({ name: 'barometer_ingest_source_failures_total', help: 'Failed reads by source and error code.', labelNames: ['source', 'code'], registers })),
    fetchDuration: once(registry, 'barometer_ingest_fetch_duration_seconds', () =>
      new Histogram({
        name: 'barometer_ingest_fetch_duration_seconds',
        help: 'Time to fetch and parse one feed, by outcome (ok, not_modified, error).',
        labelNames: ['outcome'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
        registers,
      })),
    publishLag: once(registry, 'barometer_ingest_publish_lag_seconds', () =>
      new Histogram({
        name: 'barometer_ingest_publish_lag_seconds',
        help: 'Seconds between an item\'s publication and its ingestion.',
        labelNames: ['source_kind'],
        buckets: [10, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 12 * 3600, 48 * 3600],
        registers,
      })),
  };
}
