// The latest health of every ingest source, read from the compacted sources topic from its beginning.
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { SourceHealth } from '@barometer/schemas/api';

export interface SourcesHealthDeps {
  /** A consumer in a group of this replica's own (a fresh group starts at the beginning: the whole table). */
  consumer: Consumer;
  topic: string;
  log: Logger;
}

export interface SourcesHealth {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Every source, sorted by id. */
  list(): SourceHealth[];
}

export function createSourcesHealth(deps: SourcesHealthDeps): SourcesHealth {
  const log = deps.log.child({ component: 'sources-health' });
  const byId = new Map<string, SourceHealth>();
  return {
    async start() {
      await deps.consumer.subscribe({ topic: deps.topic, fromBeginning: true });
      await deps.consumer.run({
        eachMessage: async ({ message, partition }) => {
          const key = message.key?.toString('utf8');
          // A tombstone (null value) is how a compacted topic forgets a key: a source that was removed.
          if (message.value === null) {
            if (key) byId.delete(key);
            return;
          }
          let json: unknown;
          try {
            json = JSON.parse(message.value.toString('utf8'));
          } catch {
            json = undefined;
          }
          const parsed = SourceHealth.safeParse(json);
          if (!parsed.success) {
            log.warn({ partition, offset: message.offset, key }, 'ignored invalid source health message');
            return;
          }
          const previous = byId.get(parsed.data.id);
          // Compaction keeps order per key, but a restarted ingest may briefly race an older one.
          if (previous && previous.updated_at > parsed.data.updated_at) return;
          byId.set(parsed.data.id, parsed.data);
        },
      });
    },
    async stop() {
      await deps.consumer.disconnect();
    },
    list: () => [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}
