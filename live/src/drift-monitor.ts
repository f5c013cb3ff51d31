// Prediction and input drift, checked on a timer: the PSI of the predicted label and of the title length
// over the last 24 h against the 7 days before (analytics' queryDrift), as gauges on the process
// registry, the latest reports for GET /api/v1/drift, and an edge-triggered alert when a feature crosses.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { gaugeOn, type Registry } from '@barometer/runtime/metrics';
import type { DriftResponse } from '@barometer/schemas/api';
import type { DriftAlert } from '@barometer/schemas/socket';
import { dailyDriftWindows, queryDrift } from '@barometer/analytics/drift';

const FEATURES = ['label', 'length'] as const;

export interface DriftCheckOptions {
  /** PSI above this is drift (analytics' DRIFT_THRESHOLD when unset). */
  threshold?: number;
  /** Fewer items than this in either window: psi null, no verdict. */
  minItems?: number;
}

/** One check of every feature, the daily windows ending `now`. */
export async function checkDrift(clickhouse: ClickHouseClient, now: Date, o: DriftCheckOptions = {}): Promise<DriftResponse> {
  const windows = dailyDriftWindows(now);
  const reports = await Promise.all(FEATURES.map((feature) => queryDrift(clickhouse, { feature, ...windows, ...o })));
  return { checked_at: now.toISOString(), reports };
}

export interface DriftMonitorOptions extends DriftCheckOptions {
  clickhouse: ClickHouseClient;
  registry: Registry;
  log: Logger;
  /** Time between checks; the first runs at start. */
  intervalMs: number;
  /** Called once each time a feature goes from not drifted to drifted. */
  onAlert: (alert: DriftAlert) => void;
  now?: () => Date;
}

export interface DriftMonitor {
  /** Runs a check now (a check already running is shared), updates the gauges and fires alerts. */
  check(): Promise<DriftResponse>;
  /** The latest check; runs one if there has been none yet. */
  latest(): Promise<DriftResponse>;
  start(): void;
  stop(): Promise<void>;
}

export function createDriftMonitor(o: DriftMonitorOptions): DriftMonitor {
  const log = o.log.child({ component: 'drift' });
  const now = o.now ?? (() => new Date());
  const psiGauge = gaugeOn(o.registry, {
    name: 'barometer_drift_psi',
    help: 'Population stability index of a feature (label, length), last 24 h vs the 7 days before; absent while either window has too few items',
    labelNames: ['feature'],
  });
  const alertGauge = gaugeOn(o.registry, {
    name: 'barometer_drift_alert',
    help: 'Whether a feature drifted (PSI above the threshold) at the latest check: 1 or 0',
    labelNames: ['feature'],
  });
  const drifted = new Map<string, boolean>();
  let last: DriftResponse | undefined;
  let running: Promise<DriftResponse> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const runCheck = async (): Promise<DriftResponse> => {
    const result = await checkDrift(o.clickhouse, now(), o);
    for (const r of result.reports) {
      if (r.psi === null) psiGauge.remove({ feature: r.feature });
      else psiGauge.set({ feature: r.feature }, r.psi);
      alertGauge.set({ feature: r.feature }, r.drifted ? 1 : 0);
      if (r.drifted && !drifted.get(r.feature) && r.psi !== null) {
        log.warn({ feature: r.feature, psi: r.psi, threshold: r.threshold, ref_n: r.ref_n, cur_n: r.cur_n }, 'drift alert: feature crossed its threshold');
        try {
          o.onAlert({ feature: r.feature, psi: r.psi, threshold: r.threshold, at: result.checked_at });
        } catch (err) {
          log.error({ err }, 'drift alert handler failed');
        }
      }
      drifted.set(r.feature, r.drifted);
    }
    last = result;
    return result;
  };

  const check = () => {
    running ??= runCheck().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    check,
    latest: async () => last ?? check(),
    start() {
      const logged = () => check().catch((err: unknown) => log.error({ err }, 'drift check failed'));
      void logged();
      timer = setInterval(logged, o.intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
