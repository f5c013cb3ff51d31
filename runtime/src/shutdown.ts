// Ordered, bounded shutdown on SIGINT/SIGTERM: each step runs in turn, the whole within a deadline.
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/**
 * Runs the steps in order (stop intake first, release clients last). A failing step is logged and the
 * rest still run; if the deadline passes the process exits non-zero rather than hanging forever.
 */
export async function runShutdown(steps: ShutdownStep[], log: Logger, deadlineMs = 20_000): Promise<boolean> {
  let ok = true;
  const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deadlineMs).unref());
  const all = (async () => {
    for (const step of steps) {
      const started = Date.now();
      try {
        await step.run();
        log.info({ step: step.name, ms: Date.now() - started }, 'stopped');
      } catch (err) {
        ok = false;
        log.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    return 'done' as const;
  })();
  if ((await Promise.race([all, deadline])) === 'timeout') {
    log.error({ deadlineMs }, 'shutdown deadline passed');
    return false;
  }
  return ok;
}

/** Installs the signal handlers; a second signal forces an immediate exit. */
export function installShutdown(steps: ShutdownStep[], log: Logger, deadlineMs?: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    void runShutdown(steps, log, deadlineMs).then((ok) => process.exit(ok ? 0 : 1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
