// `tsx kafka-local/src/with-kafka.ts <cmd> [args…]`: runs a command with KAFKA_BROKERS pointing at a
// broker: the given cluster if KAFKA_BROKERS is set, else one local broker started for the command's lifetime.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { ensureKafkaJars, startLocalKafka, type LocalKafka } from './local-kafka.ts';

async function main(): Promise<number> {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) throw new Error('usage: with-kafka <command> [args…]');
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  let kafka: LocalKafka | undefined;
  let dir: string | undefined;
  const env = { ...process.env };
  if (!env.KAFKA_BROKERS) {
    await ensureKafkaJars({ logger: log });
    dir = await mkdtemp(path.join(tmpdir(), 'barometer-kafka-'));
    kafka = await startLocalKafka({ dataDir: dir, logger: log });
    env.KAFKA_BROKERS = kafka.brokers.join(',');
  }
  try {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await kafka?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
