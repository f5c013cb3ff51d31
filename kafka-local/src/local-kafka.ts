// Runs a real single-node Apache Kafka (KRaft: broker and controller in one JVM) on 127.0.0.1 from
// the Maven-fetched jars, for embedded mode and tests. Data persists across restarts of one dataDir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { KAFKA_LOCAL_DIR, KafkaSetupError, LIB_DIR, checkJava, jarsReady } from './fetch-jars.ts';

export { ensureKafkaJars, KafkaSetupError } from './fetch-jars.ts';

export interface LocalKafka {
  readonly brokers: string[];
  readonly pid: number;
  stop(): Promise<void>;
}

export interface LocalKafkaOptions {
  dataDir: string;
  /** Broker port on 127.0.0.1; 0 or undefined picks a free one. Fix it to restart on the same address. */
  port?: number;
  logger?: Logger;
  heapMb?: number;
  startTimeoutMs?: number;
}

async function freePort(): Promise<number> {
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

/** A Kafka cluster id: 16 random bytes, base64url without padding, never starting with '-' (as Kafka's Uuid). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return [
    '# Written by kafka-local/src/local-kafka.ts at every start.',
    'process.roles=broker,controller',
    'node.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `log.dirs=${path.join(dataDir, 'logs')}`,
    // One node: every internal topic has one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // No point waiting for more members to join on a single-node broker.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created explicitly by the services, with their specs; a typo must not create one.
    'auto.create.topics.enable=false',
    'num.partitions=3',
    'offsets.topic.num.partitions=6',
    'log.segment.bytes=67108864',
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalKafka(opts: LocalKafkaOptions): Promise<LocalKafka> {
  checkJava();
  if (!jarsReady()) throw new KafkaSetupError('the Kafka jars are not fetched yet: run `npm run kafka:fetch` (needs Maven)');
  const log = opts.logger?.child({ component: 'local-kafka' });
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  if (await portAnswers(port)) {
    throw new KafkaSetupError(`port ${port} on 127.0.0.1 is already in use; set BAROMETER_KAFKA_PORT to another port, or KAFKA_BROKERS=127.0.0.1:${port} if that is a Kafka you want to use`);
  }
  // The controller port sits next to the broker's when fixed, so a restart reuses the same pair.
  const controllerPort = opts.port && opts.port > 0 ? port + 1 : await freePort();
  const props = path.join(dataDir, 'server.properties');
  await writeFile(props, serverProperties(dataDir, port, controllerPort));
  const classpath = `${LIB_DIR}/*`;
  const jvm = [
    `-Xmx${opts.heapMb ?? 512}m`,
    '-Xms128m',
    // Serial GC and a flat tiered compile start fastest on small machines; the broker's load here is light.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(KAFKA_LOCAL_DIR, 'log4j2.properties')}`,
  ];

  if (!existsSync(path.join(dataDir, 'logs', 'meta.properties'))) {
    const fmt = spawnSync('java', [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props], {
      encoding: 'utf8',
    });
    if (fmt.status !== 0) throw new KafkaSetupError(`formatting Kafka storage failed:\n${(fmt.stdout + fmt.stderr).slice(-3000)}`);
  }

  const child: ChildProcess = spawn('java', [...jvm, '-cp', classpath, 'kafka.Kafka', props], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onOutput = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 50) tail.shift();
      log?.debug({ kafka: line }, 'broker output');
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  // A JVM must not outlive the Node process that started it (kill -9 of Node cannot be caught; then
  // the broker keeps its port until killed by hand: `pkill -f kafka-local/lib`).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const started = Date.now();
  const timeout = opts.startTimeoutMs ?? 90_000;
  while (!(await portAnswers(port))) {
    if (exited) {
      process.off('exit', killOnExit);
      throw new KafkaSetupError(`the local Kafka broker exited during start:\n${tail.join('\n')}`);
    }
    if (Date.now() - started > timeout) {
      child.kill('SIGKILL');
      process.off('exit', killOnExit);
      throw new KafkaSetupError(`the local Kafka broker did not listen on ${port} within ${timeout} ms:\n${tail.join('\n')}`);
    }
    await sleep(200);
  }
  log?.info({ port, pid: child.pid, ms: Date.now() - started, dataDir }, 'local Kafka started');

  return {
    brokers: [`127.0.0.1:${port}`],
    pid: child.pid ?? -1,
    async stop() {
      process.off('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM');
      const code = await Promise.race([exit, sleep(15_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        log?.warn('broker did not stop within 15 s, killing it');
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}
