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
