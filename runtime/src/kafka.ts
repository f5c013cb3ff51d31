// Kafka plumbing every service shares: the client (KafkaJS logs routed into pino) and topic provisioning.
import { Kafka, Partitioners, logLevel, type Admin, type LogEntry, type Producer, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { topicSpecs, type Topics } from '@barometer/schemas/kafka';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes KafkaJS's own logging into the process logger (https://kafka.js.org/docs/custom-logger). */
function pinoLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      // KafkaJS reports every rebalance and reconnect as an ERROR with a stack; keep them as warnings
      // with the detail rather than alarming stack dumps, real failures surface from our own calls.
      const mapped = LEVELS[level] ?? 'info';
      log[mapped === 'error' ? 'warn' : mapped]({ ns: namespace, ...rest }, message);
    };
}

export function createKafka(opts: { brokers: string[]; clientId: string; log: Logger }): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(opts.log.child({ component: 'kafkajs' })),
    // Retries are bounded so a dead broker surfaces as an error instead of a silent hang.
    retry: { initialRetryTime: 300, retries: 8 },
    connectionTimeout: 5000,
  });
}

/** A producer with KafkaJS's default (murmur2, Java-compatible) partitioner chosen explicitly. */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
}

/** Creates the pipeline's topics if absent; safe to race from several services starting at once. */
export async function ensureTopics(kafka: Kafka, topics: Topics, log: Logger, partitions?: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createMissingTopics(admin, topics, log, partitions);
  } finally {
    await admin.disconnect();
  }
}

async function createMissingTopics(admin: Admin, topics: Topics, log: Logger, partitions?: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topicSpecs(topics, partitions).filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
    log.info({ topics: missing.map((t) => t.topic) }, 'topics created');
  } catch (err) {
    // Another service may have created them between our list and create; only a still-missing topic is an error.
    const after = new Set(await admin.listTopics());
    const stillMissing = missing.filter((s) => !after.has(s.topic));
    if (stillMissing.length > 0) throw err;
  }
}
