// The live gateway service: reads the scored topic with a group of its own, keeps one shared
// snapshot, and broadcasts `item:scored` and throttled `sentiment:tick` events to every socket.
import type { Consumer } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { ScoredItem } from '@barometer/schemas/items';
import { buildApp, type LiveApp, type LiveSocketServer } from './app.ts';
import { createSentimentFeed } from './sentiment-feed.ts';

export interface LiveDeps {
  clickhouse: ClickHouseClient;
  /** A consumer in a group of this replica's own, so every replica sees every scored item. */
  consumer: Consumer;
  scoredTopic: string;
  log: Logger;
  staticDir?: string;
  /** Least time between two `sentiment:tick` broadcasts. */
  tickIntervalMs?: number;
  /** Full reload period: picks up the window sliding and late-arriving items. */
  reloadIntervalMs?: number;
}

export interface Live {
  readonly app: LiveApp;
  readonly io: LiveSocketServer;
  start(listen: { port: number; host: string }): Promise<string>;
  stop(): Promise<void>;
}

export async function createLive(deps: LiveDeps): Promise<Live> {
  const log = deps.log.child({ component: 'live' });
  const feed = createSentimentFeed({ clickhouse: deps.clickhouse });
  let consumerRunning = false;
  const { app, io } = await buildApp({
    clickhouse: deps.clickhouse,
    log: deps.log,
    staticDir: deps.staticDir,
    healthChecks: () => ({ kafka: consumerRunning ? 'ok' : 'not consuming' }),
  });
  let dirty = false;
  let timers: NodeJS.Timeout[] = [];

  io.on('connection', (socket) => {
    // Snapshot first, then the stream; a recovered connection already has its state and replayed events.
    if (!socket.recovered) socket.emit('sentiment:snapshot', feed.snapshot());
  });

  async function tick(): Promise<void> {
    if (!dirty) return;
    dirty = false;
    const t = await feed.refresh();
    if (t) io.emit('sentiment:tick', t);
  }

  return {
    app,
    io,
    async start(listen) {
      await feed.reload();
      // Resolve start() only once the group is joined: a "latest" reader that is not yet assigned
      // would silently skip what is scored meanwhile.
      const joined = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('live consumer did not join its group within 60 s')), 60_000);
        const off = deps.consumer.on(deps.consumer.events.GROUP_JOIN, () => {
          clearTimeout(timer);
          off();
          resolve();
        });
      });
      await deps.consumer.subscribe({ topic: deps.scoredTopic, fromBeginning: false });
      await deps.consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            let json: unknown;
            try {
              json = JSON.parse(m.value?.toString('utf8') ?? 'null');
            } catch {
              json = undefined;
            }
            const parsed = ScoredItem.safeParse(json);
            if (!parsed.success) {
              // Scoring validated it on the way in; a bad message here is someone else's producer.
              log.warn({ partition: batch.partition, offset: m.offset }, 'ignored invalid scored message');
              continue;
            }
            if (feed.addItem(parsed.data)) {
              io.emit('item:scored', parsed.data);
              dirty = true;
            }
          }
        },
      });
      await joined;
      consumerRunning = true;
      const safe = (fn: () => Promise<void>, what: string) => () => void fn().catch((err: unknown) => log.warn({ err }, `${what} failed`));
      timers = [
        setInterval(safe(tick, 'tick'), deps.tickIntervalMs ?? 1000),
        setInterval(
          safe(async () => {
            // The reload's own comparison tells whether the sliding window moved the value.
            const t = await feed.reload();
            if (t) io.emit('sentiment:tick', t);
          }, 'reload'),
          deps.reloadIntervalMs ?? 60_000,
        ),
      ];
      const address = await app.listen(listen);
      log.info({ address }, 'live gateway listening');
      return address;
    },
    async stop() {
      timers.forEach(clearInterval);
      consumerRunning = false;
      await deps.consumer.disconnect();
      await app.close();
    },
  };
}
