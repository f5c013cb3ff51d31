// The labeling sampler on a timer: every `intervalMs` it queues the `sizePerRun` most uncertain, diverse
// recent items (analytics' enqueueForLabeling). One replica runs it (BAROMETER_LABEL_SAMPLER).
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { enqueueForLabeling, type SamplingStrategy } from '@barometer/analytics/labeling';

export interface SampleRun {
  size: number;
  lookbackHours: number;
  strategy: SamplingStrategy;
}

export interface LabelSamplerOptions {
  clickhouse: ClickHouseClient;
  log: Logger;
  sizePerRun: number;
  intervalMs: number;
  lookbackHours: number;
  strategy: SamplingStrategy;
}

export interface LabelSampler {
  /** One run now, with the configured settings unless overridden; resolves with how many items were queued. */
  run(over?: Partial<SampleRun>): Promise<number>;
  /** Runs once now, then every `intervalMs`; a failed run is logged and the next one still comes. */
  start(): void;
  /** Cancels the next run and waits for one in flight. */
  stop(): Promise<void>;
}

export function createLabelSampler(o: LabelSamplerOptions): LabelSampler {
  const log = o.log.child({ component: 'label-sampler' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const run = async (over: Partial<SampleRun> = {}) => {
    const size = over.size ?? o.sizePerRun;
    const lookbackHours = over.lookbackHours ?? o.lookbackHours;
    const strategy = over.strategy ?? o.strategy;
    const since = new Date(Date.now() - lookbackHours * 3_600_000);
    const queued = await enqueueForLabeling(o.clickhouse, { since, limit: size, strategy });
    log.info({ queued, size, lookbackHours, strategy }, 'labeling queue sampled');
    return queued;
  };

  const tick = () => {
    const current = run().catch((err: unknown) => log.error({ err }, 'labeling sampler run failed'));
    inFlight = current;
    void current.then(() => {
      if (!stopped) timer = setTimeout(tick, o.intervalMs);
    });
  };

  return {
    run,
    start() {
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
