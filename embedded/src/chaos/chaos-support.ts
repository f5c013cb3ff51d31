// Plumbing for the chaos suite: topics of a run's own, recorded-headline items, a producer that counts
// only acknowledged sends, scoring workers as child processes, consumer lag, and the oracle.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, Partitioners, logLevel, type Admin, type Producer } from 'kafkajs';
import { z } from 'zod';
import type { RawItem } from '@barometer/schemas/items';
import { topicSpecs, type Topics } from '@barometer/schemas/kafka';
import { loadHeadlines } from '../test-support.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const embeddedDir = path.resolve(here, '..', '..');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ChaosRun {
  id: string;
  topics: Topics;
  group: string;
  dataDir: string;
}

export async function newRun(name: string): Promise<ChaosRun> {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  return {
    id,
    topics: { raw: `chaos-${id}.raw`, scored: `chaos-${id}.scored`, dlq: `chaos-${id}.dlq`, sources: `chaos-${id}.sources` },
    group: `chaos-${id}-scoring`,
    dataDir: await mkdtemp(path.join(tmpdir(), `barometer-chaos-${name}-`)),
  };
}

export function kafkaOf(brokers: string[]): Kafka {
  // Patient retries: the broker-kill test's producer and admin must outlive a ~15 s outage.
  return new Kafka({ clientId: 'chaos-test', brokers, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 300, retries: 10 } });
}

/** The run's topics, with 3 raw partitions; `maxMessageBytes` raises the raw topic's limit (poison of 10 MB). */
export async function createTopics(admin: Admin, topics: Topics, maxMessageBytes?: number): Promise<void> {
  const specs = topicSpecs(topics, 3).map((s) =>
    s.topic === topics.raw && maxMessageBytes ? { ...s, configEntries: [...s.configEntries, { name: 'max.message.bytes', value: String(maxMessageBytes) }] } : s,
  );
  await admin.createTopics({ topics: specs, waitForLeaders: true });
}

export interface ItemFactory {
  /** The n-th item of the run: a recorded headline made unique by a counter, ingested now. */
  item(n: number, ingestedAt?: Date): RawItem;
}

export async function itemFactory(runId: string): Promise<ItemFactory> {
  const h = await loadHeadlines();
  const titles = [...h.round1, ...h.round2, ...h.round3];
  return {
    item(n, ingestedAt = new Date()) {
      const title = `${titles[n % titles.length]!} (${runId} #${n})`;
      const id = createHash('md5').update(title).digest('hex');
      const at = ingestedAt.toISOString();
      return { v: 1, id, title, url: `https://news.example.com/${n}`, source: 'chaos.example', source_kind: 'rss', published_at: at, ingested_at: at, assets: [], story_id: id, lang: 'en' };
    },
  };
}

export function newProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
}

/**
 * Sends until the broker acknowledges: a failed send (broker down) is retried with the same messages,
 * which may then be in the log twice; the id makes that one item. Only acknowledged items count as produced.
 */
export async function sendAcked(producer: Producer, topic: string, messages: { key: string; value: string | Buffer; partition?: number }[], deadlineMs = 120_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await producer.send({ topic, messages, acks: -1 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/** Sum over partitions of (end offset − committed offset); a partition never committed counts from its start. */
export async function groupLag(admin: Admin, group: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  let lag = 0;
  for (const e of ends) {
    const c = byPartition.get(e.partition) ?? -1;
    lag += Number(e.high) - (c < 0 ? Number(e.low) : c);
  }
  return lag;
}

/** Polls until the group's lag is 0; resolves with the time it took, rejects after `ms`. */
export async function waitForZeroLag(admin: Admin, group: string, topic: string, ms: number): Promise<number> {
  const t0 = Date.now();
  let last = Number.NaN;
  while (Date.now() - t0 < ms) {
    try {
      last = await groupLag(admin, group, topic);
      if (last === 0) return Date.now() - t0;
    } catch {
      // The broker may be restarting.
    }
    await sleep(250);
  }
  throw new Error(`lag still ${last} after ${ms} ms`);
}

export const WorkerEvent = z.looseObject({ chaos: z.string().optional(), msg: z.string().optional(), time: z.number().optional() });
export type WorkerEvent = z.infer<typeof WorkerEvent>;

export interface Worker {
  readonly child: ChildProcess;
  readonly events: WorkerEvent[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForEvent(pred: (e: WorkerEvent) => boolean, ms: number): Promise<WorkerEvent>;
  /** SIGTERM (ordered shutdown: the in-flight batch finishes and commits) and wait for the exit. */
  stop(): Promise<void>;
}

function runTs(file: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(here, file), ...args], { cwd: embeddedDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A scoring worker (scoring-worker.ts) for the run, with the given fault settings (CHAOS_* env). */
export function startWorker(run: ChaosRun, brokers: string[], faults: Record<string, string> = {}): Worker {
  const child = runTs('scoring-worker.ts', [], {
    ...process.env,
    KAFKA_BROKERS: brokers.join(','),
    CHAOS_TOPICS: JSON.stringify(run.topics),
    CHAOS_GROUP: run.group,
    CHAOS_DATA_DIR: run.dataDir,
    ...faults,
  });
  const events: WorkerEvent[] = [];
  const waiters = new Set<() => void>();
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return;
    }
    const e = WorkerEvent.safeParse(json);
    if (e.success) events.push(e.data);
    for (const w of waiters) w();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      if (code !== 0 && code !== null && stderr.length > 0) process.stderr.write(`chaos worker exited ${code}:\n${stderr.join('\n')}\n`);
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );
  return {
    child,
    events,
    exited,
    waitForEvent(pred, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(pred);
          if (found) {
            done();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`worker exited (${child.exitCode ?? child.signalCode}) before the event; stderr:\n${stderr.join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no such worker event within ${ms} ms; stderr:\n${stderr.join('\n')}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export const OracleReading = z.object({
  items: z.object({ rows: z.number(), distinct: z.number() }),
  itemsFinal: z.object({ rows: z.number(), distinct: z.number() }),
  scores: z.object({ rows: z.number(), distinct: z.number() }),
  rollupN: z.number(),
  ids: z.array(z.string()),
});
export type OracleReading = z.infer<typeof OracleReading>;

/**
 * Rows of barometer.items before merges beyond one per id. insertScoredItems looks up which raw rows are
 * already there, so with deduplication on this is 0; with it off (the negative control) a redelivery
 * rewrites them, and merges and FINAL collapse them.
 */
export function physicalItemRows(r: OracleReading): number {
  return r.items.rows - r.items.distinct;
}

/** Reads the run's chDB directory in a process of its own (the worker must have exited). */
export async function readOracle(dataDir: string): Promise<OracleReading> {
  const child = runTs('oracle-cli.ts', [dataDir], process.env);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  if (code !== 0) throw new Error(`oracle failed (${code}): ${err}`);
  return OracleReading.parse(JSON.parse(out.trim().split('\n').pop() ?? ''));
}

/**
 * What "nothing lost, nothing doubled" means, as a list of violations (empty = it holds): every
 * produced id is in barometer.scores exactly once (rows = distinct = produced, no stranger), in
 * barometer.items once as its readers see it (FINAL: a ReplacingMergeTree by id, see `physicalItemRows`),
 * and the rollups count each story lead once. The rollups are the sharp test: an AggregatingMergeTree
 * never collapses a doubled block, where a ReplacingMergeTree's merges may hide one by the time we look.
 */
export function oracleViolations(r: OracleReading, produced: ReadonlySet<string>, leads: number): string[] {
  const v: string[] = [];
  const n = produced.size;
  if (r.scores.rows !== n) v.push(`barometer.scores has ${r.scores.rows} rows for ${n} produced items`);
  if (r.scores.distinct !== n) v.push(`barometer.scores has ${r.scores.distinct} distinct ids for ${n} produced items`);
  if (r.itemsFinal.rows !== n || r.itemsFinal.distinct !== n)
    v.push(`barometer.items FINAL has ${r.itemsFinal.rows} rows / ${r.itemsFinal.distinct} ids for ${n} produced items`);
  if (r.rollupN !== leads) v.push(`the rollups count ${r.rollupN} story leads, ${leads} were produced`);
  const got = new Set(r.ids);
  const missing = [...produced].filter((id) => !got.has(id));
  const strangers = r.ids.filter((id) => !produced.has(id));
  if (missing.length > 0) v.push(`${missing.length} produced ids are missing from barometer.scores`);
  if (strangers.length > 0) v.push(`${strangers.length} ids in barometer.scores were never produced`);
  return v;
}
