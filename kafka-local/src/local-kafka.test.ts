// The local broker is a real Kafka that kafkajs can use: topics, produce, consumer groups, and data
// and committed offsets that survive a clean restart and a kill -9 of the JVM.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { KafkaLocalError, startLocalKafka } from './local-kafka.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const dirs: string[] = [];

after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kafka-local-test-'));
  dirs.push(dir);
  return dir;
}

function client(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'kafka-local-test', brokers, logLevel: logLevel.NOTHING });
}

/** Consumes `topic` from the beginning in `groupId` until `n` values arrived; commits on disconnect. */
async function consume(brokers: string[], topic: string, groupId: string, n: number): Promise<string[]> {
  const consumer = client(brokers).consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${n} messages from ${topic}`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value?.toString() ?? '');
          if (seen.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return seen.sort();
  } finally {
    await consumer.disconnect();
  }
}

async function committed(brokers: string[], groupId: string, topic: string): Promise<number> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

test('serves kafkajs and keeps messages and committed offsets across a restart', { timeout: 60_000 }, async () => {
  const dataDir = await tempDir();
  let kafka = await startLocalKafka({ dataDir, logger });
  const port = kafka.port;
  try {
    const admin = client(kafka.brokers).admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'probe', numPartitions: 3 }], waitForLeaders: true }), true);
    await admin.disconnect();

    const producer = client(kafka.brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'probe', acks: -1, messages: [{ key: 'a', value: 'hello' }, { key: 'b', value: 'world' }] });
    await producer.disconnect();

    assert.deepEqual(await consume(kafka.brokers, 'probe', 'g1', 2), ['hello', 'world']);
    assert.equal(await committed(kafka.brokers, 'g1', 'probe'), 2);
    await kafka.stop();

    kafka = await startLocalKafka({ dataDir, port, logger });
    assert.equal(kafka.port, port);
    assert.deepEqual(await consume(kafka.brokers, 'probe', 'g2', 2), ['hello', 'world'], 'messages survive a restart');
    assert.equal(await committed(kafka.brokers, 'g1', 'probe'), 2, 'committed offsets survive a restart');
  } finally {
    await kafka.stop();
  }
});

test('comes back on the same port and data after the JVM is killed with SIGKILL', { timeout: 60_000 }, async () => {
  const dataDir = await tempDir();
  let kafka = await startLocalKafka({ dataDir, logger });
  const port = kafka.port;
  try {
    const admin = client(kafka.brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'chaos', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = client(kafka.brokers).producer();
    await producer.connect();
    await producer.send({ topic: 'chaos', acks: -1, messages: [{ value: 'before-crash' }] });
    await producer.disconnect();

    process.kill(kafka.pid, 'SIGKILL');
    await kafka.stop();

    kafka = await startLocalKafka({ dataDir, port, logger });
    assert.deepEqual(await consume(kafka.brokers, 'chaos', 'g-chaos', 1), ['before-crash']);
  } finally {
    await kafka.stop();
  }
});

test('a broker that dies during start is reported with its last output', { timeout: 60_000 }, async () => {
  const dataDir = await tempDir();
  // Storage formatted for another node id: the broker refuses to start, which no config fixes.
  await mkdir(path.join(dataDir, 'logs'), { recursive: true });
  await writeFile(
    path.join(dataDir, 'logs', 'meta.properties'),
    'version=1\nnode.id=2\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\ndirectory.id=AAAAAAAAAAAAAAAAAAAAAQ\n',
  );
  await assert.rejects(startLocalKafka({ dataDir, logger }), (err: unknown) => {
    assert.ok(err instanceof KafkaLocalError);
    assert.equal(err.code, 'START_FAILED');
    assert.match(err.message, /node\.id|node id/i);
    return true;
  });
});
