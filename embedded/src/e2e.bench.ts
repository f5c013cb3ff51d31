// End-to-end benchmark of the embedded stack: a replay producer pushes recorded headlines (made unique
// by a counter) to the raw topic at fixed rates, through scoring, ClickHouse and the live gateway to a
// socket.io client. Latency = websocket receipt − `ingested_at` (stamped at produce time and carried
// through). Prints consumer lag over time, p50/p95/p99, CPU and RSS of the Node process (the whole
// embedded stack, the producer and the client) and of the Kafka JVM; then a burst of 10× and its drain.
//
//   BENCH_SECONDS (60) per phase · BENCH_RATES (50,200,1000) items/s · BENCH_BURST_RATE (2000)
//   BENCH_MODEL_DIR (the served model) · BENCH_DRAIN_S (600) longest wait for lag 0 after a phase
//   BENCH_SCORING_BATCH (the service default, DEFAULT_SCORING_BATCH) most items per ONNX run · BENCH_ONNX_THREADS (1)
//   BENCH_BURST_SECONDS (= BENCH_SECONDS; 0 skips the burst)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { z } from 'zod';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@barometer/schemas/socket';
import { defaultModelDir } from '@barometer/scoring/model';
import { DEFAULT_SCORING_BATCH } from '@barometer/scoring/config';
import { loadIngestConfig } from '@barometer/ingest/config';
import { startLocalKafka } from '@barometer/kafka-local';
import { readHistogram, type HistogramReading, type Registry } from '@barometer/runtime/metrics';
import { startStack } from './stack.ts';
import { startFeedServer } from './test-support.ts';
import { groupLag, itemFactory, kafkaOf, newProducer, sleep } from './chaos/chaos-support.ts';

const BenchEnv = z.object({
  BENCH_SECONDS: z.coerce.number().positive().default(60),
  BENCH_RATES: z.string().default('50,200,1000').transform((s) => s.split(',').map(Number)),
  BENCH_BURST_RATE: z.coerce.number().positive().default(2000),
  BENCH_MODEL_DIR: z.string().default(defaultModelDir),
  BENCH_DRAIN_S: z.coerce.number().positive().default(600),
  BENCH_SCORING_BATCH: z.coerce.number().int().positive().default(DEFAULT_SCORING_BATCH),
  BENCH_ONNX_THREADS: z.coerce.number().int().positive().default(1),
  /** 0 skips the burst phase. */
  BENCH_BURST_SECONDS: z.coerce.number().min(0).optional(),
});

const TICK_HZ = 20;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU seconds and RSS bytes of a process from /proc (Linux). */
async function procStats(pid: number): Promise<{ cpuS: number; rss: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuS: ticks / 100, rss: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

// Where a chunk's time goes, from the scoring service's own histograms: sums and counts, read before
// and after a phase, so the phase's figures are the difference.
const STAGES = {
  chunk: 'barometer_scoring_batch_seconds',
  model: 'barometer_scoring_model_seconds',
  insert: 'barometer_scoring_insert_seconds',
  size: 'barometer_scoring_batch_size',
} as const;
type StageTotals = Record<keyof typeof STAGES, HistogramReading>;

async function stageTotals(registry: Registry): Promise<StageTotals> {
  const entries = await Promise.all(Object.entries(STAGES).map(async ([k, name]) => [k, await readHistogram(registry, name)] as const));
  return Object.fromEntries(entries) as StageTotals;
}

function stageLine(a: StageTotals, b: StageTotals, wallS: number): string {
  const d = (k: keyof StageTotals) => ({ sum: b[k].sum - a[k].sum, count: b[k].count - a[k].count });
  const chunk = d('chunk');
  if (chunk.count === 0) return 'scoring: no chunks\n';
  const per = (k: keyof StageTotals) => (d(k).count ? `${((d(k).sum / d(k).count) * 1000).toFixed(0)} ms` : 'n/a');
  return (
    `scoring: ${chunk.count} chunks of ${(d('size').sum / chunk.count).toFixed(0)} items on average; per chunk ${per('chunk')} ` +
    `(model ${per('model')}, insert ${per('insert')}, the rest validation, publish and the DLQ); ` +
    `chunks busy ${((chunk.sum / wallS) * 100).toFixed(0)} % of the phase\n`
  );
}

async function main() {
  const env = BenchEnv.parse(process.env);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'barometer-bench-'));
  const kafkaLocal = await startLocalKafka({ dataDir: path.join(dataDir, 'kafka'), logger: log });
  const feed = await startFeedServer();
  const run = `bench-${Date.now().toString(36)}`;
  const group = `${run}-scoring`;
  const stack = await startStack({
    log,
    dataDir,
    kafkaBrokers: kafkaLocal.brokers,
    clickhouse: { kind: 'embedded', dataDir },
    ingest: loadIngestConfig({ BAROMETER_FEEDS: feed.url, BAROMETER_POLL_INTERVAL_S: '3600', BAROMETER_INGEST_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }),
    modelDir: env.BENCH_MODEL_DIR,
    onnxThreads: env.BENCH_ONNX_THREADS,
    scoringBatch: env.BENCH_SCORING_BATCH,
    port: 0,
    host: '127.0.0.1',
    topics: { raw: `${run}.raw`, scored: `${run}.scored`, dlq: `${run}.dlq`, sources: `${run}.sources` },
    scoringGroup: group,
  });
  const kafka = kafkaOf(kafkaLocal.brokers);
  const admin = kafka.admin();
  await admin.connect();
  const producer = newProducer(kafka);
  await producer.connect();
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(stack.address, { transports: ['websocket'] });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let latencies: number[] = [];
  let delivered = 0;
  socket.on('item:scored', (item) => {
    latencies.push(Date.now() - Date.parse(item.ingested_at));
    delivered += 1;
  });

  const items = await itemFactory(run);
  let next = 0;
  process.stdout.write(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} RAM, Node ${process.version}; model ${path.basename(env.BENCH_MODEL_DIR)}\n`);

  async function phase(name: string, rate: number, seconds: number) {
    latencies = [];
    const startDelivered = delivered;
    const cpu0 = process.cpuUsage();
    const jvm0 = await procStats(kafkaLocal.pid);
    let peakRss = 0;
    let peakJvmRss = 0;
    const lagSeries: string[] = [];
    const stages0 = await stageTotals(stack.metrics);
    // How long the one event loop was blocked: ONNX runs and chDB queries are synchronous native calls.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const t0 = Date.now();
    let sent = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(1000);
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
        peakJvmRss = Math.max(peakJvmRss, (await procStats(kafkaLocal.pid))?.rss ?? 0);
        const s = Math.round((Date.now() - t0) / 1000);
        if (s % 5 === 0) lagSeries.push(`${s}s:${await groupLag(admin, group, stack.topics.raw).catch(() => -1)}`);
      }
    })();
    const total = Math.round(rate * seconds);
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
      if (due > sent) {
        const batch = Array.from({ length: due - sent }, () => items.item(next++));
        await producer.send({ topic: stack.topics.raw, messages: batch.map((i) => ({ key: i.id, value: JSON.stringify(i) })) });
        sent = due;
      }
      await sleep(1000 / TICK_HZ);
    }
    const producedS = (Date.now() - t0) / 1000;
    const drainStart = Date.now();
    while ((await groupLag(admin, group, stack.topics.raw)) > 0 || delivered - startDelivered < total) {
      if (Date.now() - drainStart > env.BENCH_DRAIN_S * 1000) break;
      await sleep(250);
    }
    const drainS = (Date.now() - drainStart) / 1000;
    sampling = false;
    await sampler;
    loopDelay.disable();
    const wallS = (Date.now() - t0) / 1000;
    const stages1 = await stageTotals(stack.metrics);
    const ms = (ns: number) => `${(ns / 1e6).toFixed(0)} ms`;
    const cpu = process.cpuUsage(cpu0);
    const jvm1 = await procStats(kafkaLocal.pid);
    const sorted = [...latencies].sort((a, b) => a - b);
    const got = delivered - startDelivered;
    process.stdout.write(
      `\n## ${name}: ${rate} items/s for ${producedS.toFixed(0)} s (${total} items)\n` +
        `delivered over the socket: ${got}/${total}; lag 0 ${drainS.toFixed(1)} s after the last produce\n` +
        `latency ingest → websocket: p50 ${percentile(sorted, 50)} ms, p95 ${percentile(sorted, 95)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted[sorted.length - 1] ?? Number.NaN} ms\n` +
        `lag (every 5 s): ${lagSeries.join(' ')}\n` +
        stageLine(stages0, stages1, wallS) +
        `event-loop delay: p50 ${ms(loopDelay.percentile(50))}, p99 ${ms(loopDelay.percentile(99))}, max ${ms(loopDelay.max)}\n` +
        `node (stack + producer + client): CPU ${(((cpu.user + cpu.system) / 1e6 / wallS) * 100).toFixed(0)} % of a core, peak RSS ${mb(peakRss)}\n` +
        (jvm0 && jvm1 ? `kafka JVM: CPU ${(((jvm1.cpuS - jvm0.cpuS) / wallS) * 100).toFixed(0)} % of a core, peak RSS ${mb(peakJvmRss)}\n` : ''),
    );
  }

  try {
    for (const rate of env.BENCH_RATES) await phase(`sustained`, rate, env.BENCH_SECONDS);
    const burstSeconds = env.BENCH_BURST_SECONDS ?? env.BENCH_SECONDS;
    if (burstSeconds > 0) await phase('burst (10× 200/s)', env.BENCH_BURST_RATE, burstSeconds);
  } finally {
    socket.disconnect();
    await producer.disconnect();
    await admin.disconnect();
    await stack.stop();
    await kafkaLocal.stop();
    await feed.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
