// `tsx kafka-local/src/with-kafka.ts <cmd> [args…]`: runs a command with KAFKA_BROKERS pointing at a
// broker: the given cluster if KAFKA_BROKERS is set, else a local broker in a fresh temp dir that
// lives exactly as long as the command. Exits with the command's status.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { packageDir } from './fetch-jars.ts';
import { startLocalKafka, type LocalKafka } from './local-kafka.ts';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The shell convention for "killed by a signal": 128 + its number. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 1) : 1);
}

async function main(): Promise<number> {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    process.stderr.write('usage: tsx kafka-local/src/with-kafka.ts <command> [args…]\n');
    return 2;
  }
  // Logs go to stderr: stdout belongs to the wrapped command.
  const log = pino({ name: 'with-kafka', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));

  let child: ChildProcess | undefined;
  let interrupted: NodeJS.Signals | undefined;
  for (const sig of FORWARDED) {
    process.on(sig, () => {
      if (!interrupted) {
        interrupted = sig;
        child?.kill(sig);
        return;
      }
      // A second signal means "now". With a command running it gets SIGKILL and our finally still
      // stops Kafka; while Kafka is starting we exit at once, and the broker's exit hook and
      // watchdog take it down (the temp dir is left behind).
      if (child) child.kill('SIGKILL');
      else process.exit(exitCodeOf(null, sig));
    });
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // As `npm run` does, so `with-kafka.ts turbo …` finds the repository's tools without npx.
    PATH: [path.join(packageDir, '..', 'node_modules', '.bin'), process.env.PATH].filter(Boolean).join(path.delimiter),
  };

  let kafka: LocalKafka | undefined;
  let dataDir: string | undefined;
  try {
    if (process.env.KAFKA_BROKERS) {
      log.info({ brokers: process.env.KAFKA_BROKERS }, 'using the Kafka cluster from KAFKA_BROKERS');
    } else {
      dataDir = await mkdtemp(path.join(tmpdir(), 'barometer-kafka-'));
      kafka = await startLocalKafka({ dataDir, logger: log });
      env.KAFKA_BROKERS = kafka.brokers.join(',');
    }
    if (interrupted) return exitCodeOf(null, interrupted);

    const running = spawn(cmd, args, { stdio: 'inherit', env });
    child = running;
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      running.once('error', reject);
      running.once('exit', (c, s) => resolve([c, s]));
    });
    return exitCodeOf(code, signal);
  } catch (err) {
    // Plain text, not JSON: the message carries the broker's last output lines.
    process.stderr.write(`with-kafka: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await kafka?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

process.exit(await main());
