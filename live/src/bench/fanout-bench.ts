// `npm run bench -w @barometer/live`: WebSocket fan-out of the real gateway on loopback. Real socket.io
// clients (1k, 5k, 10k, held by worker processes) receive `item:scored` broadcasts; the gateway process
// reports CPU per delivery (process.cpuUsage over the broadcast phase / deliveries), and the clients the
// delivery delay (client receipt − the server's stamp in the payload). Not a test: it prints figures.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createClickHouse } from '@barometer/analytics/client';
import { migrate } from '@barometer/analytics/migrate';
import { createMetricsRegistry } from '@barometer/runtime/metrics';
import { buildApp } from '../app.ts';
import { createGatewayMetrics } from '../gateway-metrics.ts';
import { createSocketGateway } from '../socket-gateway.ts';
import { scored } from '../test-items.ts';

const SIZES = (process.env.BENCH_CLIENTS ?? '1000,5000,10000').split(',').map(Number);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 500);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);

type WorkerMsg =
  | { type: 'grown'; held: number }
  | { type: 'reset' }
  | { type: 'count'; received: number }
  | { type: 'report'; received: number; latencies: number[]; held: number }
  | { type: 'error'; error: string };

function ask<T extends WorkerMsg['type']>(w: ChildProcess, cmd: object, type: T): Promise<Extract<WorkerMsg, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMsg) => {
      if (m.type === 'error') reject(new Error(m.error));
      else if (m.type === type) {
        w.off('message', onMessage);
        resolve(m as Extract<WorkerMsg, { type: T }>);
      }
    };
    w.on('message', onMessage);
    w.send(cmd);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const log = pino({ level: 'warn' });
  const dir = await mkdtemp(path.join(tmpdir(), 'barometer-fanout-'));
  const clickhouse = createClickHouse({ kind: 'embedded', dataDir: dir });
  await migrate(clickhouse, log);
  const registry = createMetricsRegistry();
  const { app, io } = await buildApp({ clickhouse, log, metrics: registry, sources: () => [] });
  const gateway = createSocketGateway({ io, clickhouse, log, metrics: createGatewayMetrics(registry, { clients: () => io.engine.clientsCount, rooms: () => 1 }) });
  await gateway.start();
  const url = await app.listen({ port: 0, host: '127.0.0.1' });

  const workerFile = fileURLToPath(new URL('./fanout-client.ts', import.meta.url));
  const workers = Array.from({ length: WORKERS }, () => fork(workerFile, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  process.stdout.write(`WebSocket fan-out on loopback: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ${WORKERS} client processes, ${MESSAGES} broadcasts ${GAP_MS} ms apart per size\n\n`);
  process.stdout.write('| clients held | server RSS | µs CPU / delivery | p50 delivery | p99 delivery | max |\n|---:|---:|---:|---:|---:|---:|\n');

  let n = 1;
  for (const size of SIZES) {
    const per = Math.ceil(size / WORKERS);
    const grown = await Promise.all(workers.map((w) => ask(w, { cmd: 'grow', url, total: per }, 'grown')));
    const held = grown.reduce((a, g) => a + g.held, 0);
    await Promise.all(workers.map((w) => ask(w, { cmd: 'reset' }, 'reset')));
    // The process is not idle even when nothing is sent (chDB's background threads, timers): measure
    // that rate first and take it off the broadcast phase's CPU.
    const idle0 = process.cpuUsage();
    const idleT0 = performance.now();
    await sleep(1000);
    const idleUsage = process.cpuUsage(idle0);
    const idlePerMs = (idleUsage.user + idleUsage.system) / (performance.now() - idleT0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      // scored_at is the server's stamp; each client measures against it on receipt.
      gateway.publish({ ...scored(n++, 0.5, 0), scored_at: new Date().toISOString() });
      await sleep(GAP_MS);
    }
    // Wait until every client has every message (or give up after 30 s and report what arrived).
    const expected = held * MESSAGES;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const counts = await Promise.all(workers.map((w) => ask(w, { cmd: 'count' }, 'count')));
      if (counts.reduce((a, r) => a + r.received, 0) >= expected) break;
      await sleep(50);
    }
    const cpu = process.cpuUsage(cpu0);
    const elapsed = performance.now() - t0;
    const reports = await Promise.all(workers.map((w) => ask(w, { cmd: 'report' }, 'report')));
    const received = reports.reduce((a, r) => a + r.received, 0);
    const lat = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const usPerDelivery = Math.max(0, cpu.user + cpu.system - idlePerMs * elapsed) / received;
    const rss = process.memoryUsage().rss / 2 ** 20;
    process.stdout.write(
      `| ${held.toLocaleString('en')}${received < expected ? ` (${received}/${expected} delivered)` : ''} | ${rss.toFixed(0)} MiB | ${usPerDelivery.toFixed(2)} | ${percentile(lat, 50)} ms | ${percentile(lat, 99)} ms | ${lat[lat.length - 1]} ms |\n`,
    );
  }

  for (const w of workers) w.send({ cmd: 'exit' });
  await gateway.stop();
  await app.close();
  await clickhouse.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
