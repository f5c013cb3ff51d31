// One Prometheus registry per process: every service registers its metrics on the registry it is handed,
// so in embedded mode (all services in one process) a single /metrics shows them all.
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

export type { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A registry with the process metrics (CPU, RSS, event-loop lag, GC) already registered. */
export function createMetricsRegistry(defaultLabels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

// Get-or-create: a service built twice on one registry (tests, a restarted consumer) reuses its metrics
// instead of throwing "already registered".
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function counterOn<L extends string>(registry: Registry, c: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
  return reuse(registry, c.name, () => new Counter({ ...c, registers: [registry] }));
}

export function gaugeOn<L extends string>(registry: Registry, c: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
  return reuse(registry, c.name, () => new Gauge({ ...c, registers: [registry] }));
}

export function histogramOn<L extends string>(registry: Registry, c: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
  return reuse(registry, c.name, () => new Histogram({ ...c, registers: [registry] }));
}

/** A histogram's totals over all its label sets: observation count, sum, and cumulative count per bucket bound. */
export interface HistogramReading {
  count: number;
  sum: number;
  /** Observations ≤ each finite bucket bound (`le`), as Prometheus counts them. */
  atMost: Map<number, number>;
}

/** Reads a histogram registered on `registry` (zeros if it is not there): what benches and tests compare. */
export async function readHistogram(registry: Registry, name: string): Promise<HistogramReading> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  // prom-client reports a histogram's series as values named <name>_bucket, _sum and _count.
  const series = (suffix: string) => values.filter((v) => (v as { metricName?: string }).metricName === `${name}${suffix}`);
  const total = (suffix: string) => series(suffix).reduce((a, v) => a + v.value, 0);
  const atMost = new Map<number, number>();
  for (const v of series('_bucket')) {
    if (v.labels.le === '+Inf') continue;
    const le = Number(v.labels.le);
    atMost.set(le, (atMost.get(le) ?? 0) + v.value);
  }
  return { count: total('_count'), sum: total('_sum'), atMost };
}
