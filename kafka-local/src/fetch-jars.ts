// Fetches the pinned Kafka broker jars from Maven Central (via the machine's Maven) into kafka-local/lib.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

export const KAFKA_LOCAL_DIR = fileURLToPath(new URL('..', import.meta.url));
export const POM = `${KAFKA_LOCAL_DIR}pom.xml`;
export const LIB_DIR = `${KAFKA_LOCAL_DIR}lib`;
const STAMP = `${LIB_DIR}/.pom-sha256`;

export class KafkaSetupError extends Error {
  readonly code = 'KAFKA_SETUP';
}

const HINT =
  'Install a JDK 17+ and Maven (Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven), ' +
  'or set KAFKA_BROKERS=host:port to use an existing Kafka cluster instead of the local one.';

/** Throws a KafkaSetupError naming what is missing unless `java` is 17+ and runnable. */
export function checkJava(): number {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new KafkaSetupError(`java was not found on PATH. ${HINT}`);
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) throw new KafkaSetupError(`Kafka 4 needs Java 17 or newer, found ${major || 'an unknown version'}. ${HINT}`);
  return major;
}

function pomHash(): string {
  return createHash('sha256').update(readFileSync(POM)).digest('hex');
}

/** True when lib/ holds the jars of the current pom (a version bump changes the hash and refetches). */
export function jarsReady(): boolean {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === pomHash() && readdirSync(LIB_DIR).some((f) => f.startsWith('kafka_'));
}

export async function ensureKafkaJars(opts: { logger?: Logger } = {}): Promise<string> {
  checkJava();
  if (jarsReady()) return LIB_DIR;
  const mvn = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  if (mvn.error || mvn.status !== 0) throw new KafkaSetupError(`mvn (Maven) was not found on PATH; it fetches the Kafka jars. ${HINT}`);
  opts.logger?.info({ pom: POM }, 'fetching the Kafka jars from Maven Central (first run only)');
  // Maven's own cache (~/.m2) makes this an offline copy after the first fetch.
  const r = spawnSync(
    'mvn',
    ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${LIB_DIR}`, '-DincludeScope=runtime'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) {
    throw new KafkaSetupError(`fetching the Kafka jars failed (mvn exit ${r.status}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  }
  writeFileSync(STAMP, pomHash());
  return LIB_DIR;
}
