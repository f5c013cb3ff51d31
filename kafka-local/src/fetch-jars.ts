// Makes sure the broker's jars are in kafka-local/lib (Maven copies them from Maven Central) and a
// Java 17+ runtime is on PATH. Run as a script it fetches and prints the lib dir (CI provisioning).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { KafkaLocalError, USE_EXISTING_CLUSTER_HINT } from './kafka-local-error.ts';
import { lastLines, runCaptured } from './run-captured.ts';

/** kafka-local/, which holds pom.xml, log4j2.properties and lib/. */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const libDir = path.join(packageDir, 'lib');
const pomPath = path.join(packageDir, 'pom.xml');
/** Written last into lib/: its content is the hash of the pom the jars came from. */
const STAMP = '.pom-sha256';

const INSTALL_HINT = 'Install a JDK and Maven, e.g. `apt-get install openjdk-17-jre-headless maven`.';
/** Kafka 4.x brokers and tools are compiled for Java 17 (class file version 61). */
const MIN_JAVA = 17;

/** Parses the major version out of `java -version`: `"17.0.15"` → 17, `"21"` → 21, `"1.8.0_412"` → 8. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m?.[1]) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/** Throws a KafkaLocalError saying what to install unless `java` on PATH is 17 or newer. */
export async function checkJava(): Promise<number> {
  let out: string;
  try {
    out = (await runCaptured('java', ['-version'])).output;
  } catch (err) {
    throw new KafkaLocalError('JAVA_MISSING', `The local Kafka broker needs Java ${MIN_JAVA}+ but \`java\` is not on PATH. ${INSTALL_HINT} ${USE_EXISTING_CLUSTER_HINT}`, { cause: err });
  }
  const major = parseJavaMajor(out);
  if (major === undefined || major < MIN_JAVA) {
    throw new KafkaLocalError(
      'JAVA_TOO_OLD',
      `The local Kafka broker needs Java ${MIN_JAVA}+ but \`java -version\` reports: ${lastLines(out, 1) || '(nothing)'}. ${INSTALL_HINT} ${USE_EXISTING_CLUSTER_HINT}`,
    );
  }
  return major;
}

async function pomHash(): Promise<string> {
  return createHash('sha256').update(await readFile(pomPath)).digest('hex');
}

async function stampMatches(dir: string, hash: string): Promise<boolean> {
  try {
    return (await readFile(path.join(dir, STAMP), 'utf8')).trim() === hash;
  } catch {
    return false;
  }
}

/**
 * Returns kafka-local/lib once it holds the jars of the current pom.xml. A no-op (one file hash)
 * when the stamp matches; otherwise Maven refetches, from ~/.m2 when it has them, so a version
 * bump in the pom never leaves the old jars on the classpath.
 */
export async function ensureKafkaJars(opts: { logger?: Logger } = {}): Promise<string> {
  const log = (opts.logger ?? pino({ enabled: false })).child({ component: 'kafka-local' });
  await checkJava();
  const hash = await pomHash();
  if (await stampMatches(libDir, hash)) return libDir;

  try {
    await runCaptured('mvn', ['-v']);
  } catch (err) {
    throw new KafkaLocalError('MAVEN_MISSING', `Fetching the Kafka jars needs Maven but \`mvn\` is not on PATH. ${INSTALL_HINT} ${USE_EXISTING_CLUSTER_HINT}`, { cause: err });
  }

  // Fetch into a private directory and swap it in whole, so a concurrent or interrupted fetch
  // never leaves a half-filled lib/ that carries a valid stamp.
  const partial = path.join(packageDir, `lib.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  log.info({ pom: pomPath }, 'fetching Kafka jars with Maven');
  try {
    const run = await runCaptured('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', pomPath, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`]);
    if (run.code !== 0) {
      throw new KafkaLocalError(
        'FETCH_FAILED',
        `Maven could not fetch the Kafka jars (exit ${run.code ?? run.signal}); Maven Central must be reachable, or ~/.m2 must already hold them. ${USE_EXISTING_CLUSTER_HINT}\n${lastLines(run.output, 30)}`,
      );
    }
    await writeFile(path.join(partial, STAMP), `${hash}\n`);
    // A concurrent fetch finished first: keep its lib/, which a broker may already be using.
    if (await stampMatches(libDir, hash)) return libDir;
    await rm(libDir, { recursive: true, force: true });
    try {
      await rename(partial, libDir);
    } catch (err) {
      // Another process swapped its own fetch in between our rm and rename; theirs is as good.
      if (!(await stampMatches(libDir, hash))) throw err;
    }
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  log.info({ libDir, ms: Date.now() - started }, 'Kafka jars ready');
  return libDir;
}

/**
 * The command-line entry (`tsx kafka-local/src/fetch-jars.ts` or `fetch-jars-cli.ts`): stdout
 * carries only the lib dir, so provisioning can capture it; progress goes to stderr.
 */
export async function fetchJarsCli(): Promise<number> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  try {
    process.stdout.write(`${await ensureKafkaJars({ logger })}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** True when this file is the script node was asked to run, not an import. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && existsSync(entry) && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
}

if (isEntryPoint()) process.exitCode = await fetchJarsCli();
