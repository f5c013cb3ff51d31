// Runs a real single-node Apache Kafka (KRaft: broker and controller in one JVM) on 127.0.0.1 from
// the Maven-fetched jars, for embedded mode and tests. Data persists across restarts of one dataDir.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { pino, type Logger } from 'pino';
import { ensureKafkaJars, packageDir } from './fetch-jars.ts';
import { KafkaLocalError, USE_EXISTING_CLUSTER_HINT } from './kafka-local-error.ts';
import { lastLines, runCaptured } from './run-captured.ts';

export { ensureKafkaJars } from './fetch-jars.ts';
export { KafkaLocalError, type KafkaLocalErrorCode } from './kafka-local-error.ts';

export interface LocalKafka {
  /** `['127.0.0.1:<port>']`, ready for kafkajs or KAFKA_BROKERS. */
  readonly brokers: string[];
  readonly port: number;
  /** The JVM's pid, e.g. for a chaos test's `process.kill(pid, 'SIGKILL')`; stop() copes with that. */
  readonly pid: number;
  /** Graceful stop (SIGTERM, then SIGKILL after 15 s). Idempotent; fine after the JVM died. */
  stop(): Promise<void>;
}

export interface LocalKafkaOptions {
  dataDir: string;
  /** Broker port on 127.0.0.1; 0 or undefined picks a free one. Fix it to restart on the same address. */
  port?: number;
  logger?: Logger;
  /** Max JVM heap; 512 MB is plenty for test and local loads. */
  heapMb?: number;
  startTimeoutMs?: number;
}

const TAIL_LINES = 50;
const STOP_GRACE_MS = 15_000;

/**
 * JVM flags for a quick start on a small (2-core) machine. Serial GC and C1-only JIT cut start time
 * and RSS; peak throughput is lower than with C2, which local and test loads never approach.
 * https://docs.oracle.com/en/java/javase/17/docs/specs/man/java.html
 */
function jvmFlags(heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    `-Xms${Math.min(64, heapMb)}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    // No /tmp/hsperfdata_<user>/<pid> file per JVM.
    '-XX:-UsePerfData',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(packageDir, 'log4j2.properties')}`,
  ];
}

/**
 * The broker's configuration. A static voter set (controller.quorum.voters) rather than
 * `format --standalone`'s dynamic one, so the controller port may change between restarts of the
 * same dataDir: static voters are read from this file at every start, dynamic ones are pinned in
 * the metadata log. https://kafka.apache.org/documentation/#kraft_config
 */
function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return [
    '# Written by kafka-local/src/local-kafka.ts at every start; edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `log.dirs=${path.join(dataDir, 'logs')}`,
    // One node: every internal topic has one replica, and few partitions (the default 50
    // __consumer_offsets partitions make the first consumer group wait ~1.5 s for their creation).
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'share.coordinator.state.topic.num.partitions=1',
    // No point waiting for more members to join before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    // After a kill -9 the restarted broker cannot register until the controller expires its old
    // session (DUPLICATE_BROKER_REGISTRATION); the 9 s default makes such a restart take ~12 s.
    // Heartbeats stay in-process, so 4 s is still 8 missed beats of slack against GC or CPU stalls.
    'broker.session.timeout.ms=4000',
    'broker.heartbeat.interval.ms=500',
    // Topics are created explicitly, with their specs; a typo must not create one.
    'auto.create.topics.enable=false',
    'num.partitions=3',
    // Small segments and a small compaction buffer (default 128 MB of heap) for a small footprint.
    'log.segment.bytes=16777216',
    'log.cleaner.dedupe.buffer.size=8388608',
    'num.network.threads=2',
    'num.io.threads=4',
    '',
  ].join('\n');
}

/** A Kafka cluster id: 16 random bytes as unpadded base64url, like Kafka's Uuid.toString(). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka's own generator avoids a leading '-', which command-line parsers take for a flag.
    if (!id.startsWith('-')) return id;
  }
}

/** A port the OS reports free on 127.0.0.1 now (for a broker to bind next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True once the broker answers a metadata request that lists itself. */
async function brokerReady(port: number): Promise<boolean> {
  if (!(await portAnswers(port))) return false;
  const admin = new Kafka({
    clientId: 'kafka-local-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.some((b) => b.port === port);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Kills the JVM if this Node process dies without running its 'exit' handlers (kill -9, a fatal
 * signal with no handler): a detached `sh` polls both pids once a second, so a JVM is orphaned
 * for at most ~1 s plus its shutdown (SIGTERM, then SIGKILL after 15 s). It exits on its own
 * once the JVM is gone. Residual risk: pid reuse within that second.
 */
function spawnWatchdog(jvmPid: number): ChildProcess {
  const script = [
    'p=$1; c=$2',
    'while kill -0 "$p" 2>/dev/null && kill -0 "$c" 2>/dev/null; do sleep 1; done',
    'kill -0 "$c" 2>/dev/null || exit 0',
    'kill -TERM "$c" 2>/dev/null; i=0',
    'while kill -0 "$c" 2>/dev/null && [ $i -lt 15 ]; do sleep 1; i=$((i+1)); done',
    'kill -KILL "$c" 2>/dev/null',
  ].join('\n');
  const dog = spawn('sh', ['-c', script, 'kafka-local-watchdog', String(process.pid), String(jvmPid)], {
    detached: true,
    stdio: 'ignore',
  });
  dog.unref();
  return dog;
}

async function formatStorage(dataDir: string, propsPath: string, classpath: string, log: Logger): Promise<void> {
  if (existsSync(path.join(dataDir, 'logs', 'meta.properties'))) return;
  const started = Date.now();
  const run = await runCaptured('java', [...jvmFlags(256), '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', propsPath]);
  if (run.code !== 0) {
    throw new KafkaLocalError('FORMAT_FAILED', `Formatting the local Kafka storage in ${dataDir} failed (exit ${run.code ?? run.signal}):\n${lastLines(run.output, TAIL_LINES)}`);
  }
  log.debug({ ms: Date.now() - started }, 'storage formatted');
}

/**
 * Starts the broker and resolves once it serves metadata. Formats dataDir on first use; a later
 * start on the same dataDir (and port, if clients remember it) sees the same topics, messages and
 * committed offsets. Call stop() before the process exits.
 */
export async function startLocalKafka(opts: LocalKafkaOptions): Promise<LocalKafka> {
  const log = (opts.logger ?? pino({ enabled: false })).child({ component: 'local-kafka' });
  const lib = await ensureKafkaJars({ logger: opts.logger });
  const classpath = path.join(lib, '*');
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });

  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  if (await portAnswers(port)) {
    throw new KafkaLocalError('START_FAILED', `Port ${port} on 127.0.0.1 is already in use, so a local Kafka broker cannot listen there; choose another port. ${USE_EXISTING_CLUSTER_HINT}`);
  }
  const controllerPort = await freePort();
  const propsPath = path.join(dataDir, 'server.properties');
  await writeFile(propsPath, serverProperties(dataDir, port, controllerPort));
  await formatStorage(dataDir, propsPath, classpath, log);

  const started = Date.now();
  // Detached: a Ctrl-C in the terminal reaches our process group, not the broker, so the owner
  // decides when it stops (after its clients), and the watchdog covers the owner dying.
  const child = spawn('java', [...jvmFlags(opts.heapMb ?? 512), '-cp', classpath, 'kafka.Kafka', propsPath], {
    cwd: dataDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;

  const tail: string[] = [];
  for (const [stream, readable] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
    createInterface({ input: readable }).on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      log.debug({ stream }, line);
    });
  }

  if (child.pid === undefined) {
    throw new KafkaLocalError('START_FAILED', `Could not start java: ${(await spawnError).message}`);
  }
  const pid = child.pid;
  const watchdog = spawnWatchdog(pid);
  // On a normal exit of Node, ask the broker to shut down cleanly; the watchdog, which outlives
  // us, escalates to SIGKILL if it takes longer than 15 s. 'exit' handlers must be synchronous.
  const onProcessExit = () => {
    if (isRunning()) child.kill('SIGTERM');
  };
  process.on('exit', onProcessExit);

  const kill = async () => {
    process.off('exit', onProcessExit);
    if (isRunning()) child.kill('SIGKILL');
    await exited;
    watchdog.kill();
  };

  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  for (;;) {
    if (!isRunning()) {
      await kill();
      throw new KafkaLocalError(
        'START_FAILED',
        `The local Kafka broker exited during start (code ${child.exitCode ?? child.signalCode}). Its last output:\n${tail.join('\n') || '(none)'}`,
      );
    }
    if (await brokerReady(port)) break;
    if (Date.now() - started > timeoutMs) {
      await kill();
      throw new KafkaLocalError(
        'START_TIMEOUT',
        `The local Kafka broker did not answer on 127.0.0.1:${port} within ${timeoutMs} ms; it was killed. Its last output:\n${tail.join('\n') || '(none)'}`,
      );
    }
    await sleep(200);
  }
  log.info({ port, jvmPid: pid, ms: Date.now() - started, dataDir }, 'local Kafka started');

  let stopping: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    if (!stopping) log.warn({ jvmPid: pid, code, signal, lastOutput: tail.slice(-10) }, 'local Kafka exited on its own');
  });
  const stop = async (): Promise<void> => {
    process.off('exit', onProcessExit);
    if (isRunning()) {
      const t0 = Date.now();
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        exited.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS))),
      ]);
      // A pending 15 s timer would keep a finished test process (or CLI) alive that long.
      clearTimeout(timer);
      if (!inTime) {
        log.warn({ jvmPid: pid, graceMs: STOP_GRACE_MS }, 'broker did not stop in time; killing it');
        child.kill('SIGKILL');
        await exited;
      }
      log.info({ jvmPid: pid, ms: Date.now() - t0 }, 'local Kafka stopped');
    }
    watchdog.kill();
  };

  return {
    brokers: [`127.0.0.1:${port}`],
    port,
    pid,
    stop: () => (stopping ??= stop()),
  };
}
