// The local broker is a real Kafka: topics, produce, consume, and data that survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars, startLocalKafka } from './local-kafka.ts';

async function readAll(brokers: string[], topic: string, n: number): Promise<string[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `g-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${n}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

test('a local broker serves kafkajs and keeps its data across a restart', { timeout: 180_000 }, async () => {
  await ensureKafkaJars();
  const dir = await mkdtemp(path.join(tmpdir(), 'kafka-local-test-'));
  try {
    let broker = await startLocalKafka({ dataDir: dir });
    const port = Number(broker.brokers[0]!.split(':')[1]);
    const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'probe', numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'probe', messages: [{ key: 'a', value: 'hello' }, { key: 'b', value: 'world' }] });
    await producer.disconnect();
    assert.deepEqual((await readAll(broker.brokers, 'probe', 2)).sort(), ['hello', 'world']);
    await broker.stop();

    broker = await startLocalKafka({ dataDir: dir, port });
    assert.deepEqual((await readAll(broker.brokers, 'probe', 2)).sort(), ['hello', 'world'], 'messages survive a restart');
    await broker.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
