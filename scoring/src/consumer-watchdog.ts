// Replaces a Kafka consumer that has gone quiet: neither fetched nor heartbeated for a while (the
// KafkaJS stuck-consumer class: members that stop after a broker restart, tulios/kafkajs #267, #660,
// #1630, or a batch handler that never returns).
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

export interface ConsumerWatchdogOptions {
  /** Builds a consumer, connects it, subscribes it and runs it. Called at start and for every restart. */
  start: () => Promise<Consumer>;
  /**
   * Quiet time after which the member counts as stuck. 2 × the session timeout: by then the group has
   * evicted it (no heartbeat for a session timeout), so a replacement can join and take its partitions.
   */
  stuckAfterMs: number;
  log: Logger;
  checkEveryMs?: number;
  /** A stuck member's disconnect waits for its stuck batch, possibly forever; it is abandoned after this. */
  disconnectTimeoutMs?: number;
  now?: () => number;
}

export interface ConsumerWatchdog {
  /** How many times the consumer was replaced. */
  readonly restarts: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const settle = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);

export function createConsumerWatchdog(opts: ConsumerWatchdogOptions): ConsumerWatchdog {
  const log = opts.log.child({ component: 'consumer-watchdog' });
  const now = opts.now ?? Date.now;
  const disconnectTimeoutMs = opts.disconnectTimeoutMs ?? 10_000;
  let consumer: Consumer | undefined;
  let unwatch: (() => void)[] = [];
  let lastActivity = now();
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  let stopped = false;
  let restarts = 0;

  function watch(c: Consumer) {
    lastActivity = now();
    const seen = () => (lastActivity = now());
    // A fetch that returned (even empty) or a heartbeat the coordinator accepted is a sign of life; a
    // join or a finished batch too (a long rebalance or batch heartbeats in between anyway).
    const { FETCH, HEARTBEAT, GROUP_JOIN, END_BATCH_PROCESS } = c.events;
    unwatch = [FETCH, HEARTBEAT, GROUP_JOIN, END_BATCH_PROCESS].map((e) => c.on(e, seen));
  }

  async function restart(quietMs: number) {
    restarts += 1;
    log.error({ quietMs, stuckAfterMs: opts.stuckAfterMs, restarts }, 'consumer neither fetched nor heartbeated: replacing it');
    for (const off of unwatch) off();
    unwatch = [];
    const old = consumer;
    consumer = undefined;
    if (old && !(await settle(old.disconnect(), disconnectTimeoutMs)))
      log.warn({ disconnectTimeoutMs }, 'stuck consumer did not disconnect in time; abandoned (the group evicts it)');
    try {
      if (stopped) return;
      consumer = await opts.start();
      watch(consumer);
      log.warn({ restarts }, 'consumer replaced');
    } catch (err) {
      // Try again after another quiet period (e.g. the broker is still down).
      lastActivity = now();
      log.error({ err }, 'replacing the consumer failed; retrying later');
    }
  }

  function check() {
    if (restarting || stopped) return;
    const quietMs = now() - lastActivity;
    if (quietMs < opts.stuckAfterMs) return;
    restarting = restart(quietMs).finally(() => (restarting = undefined));
  }

  return {
    get restarts() {
      return restarts;
    },
    async start() {
      consumer = await opts.start();
      watch(consumer);
      timer = setInterval(check, opts.checkEveryMs ?? Math.max(100, Math.min(5_000, opts.stuckAfterMs / 10)));
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await restarting;
      for (const off of unwatch) off();
      await consumer?.disconnect();
    },
  };
}
