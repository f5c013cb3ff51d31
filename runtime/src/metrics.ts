// One Prometheus registry per process: every service registers its metrics on the registry it is handed,
// so in embedded mode (all services in one process) a single /metrics shows them all.
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

/** A registry with the process metrics (CPU, RSS, event-loop lag, GC) already registered. */
export function createMetricsRegistry(defaultLabels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
