// The promotion pointer: `<models dir>/live.json` names the live model (and optionally a shadow
// candidate). `npm run train` rewrites it on promotion; the scoring service follows it (followLivePointer).
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Scoring } from './scoring.ts';
import type { SentimentModel } from './sentiment-model.ts';

export const LIVE_POINTER_FILE = 'live.json';

export const LivePointer = z.object({
  v: z.literal(1),
  /** The live model's directory; relative paths are relative to the pointer's own directory. */
  modelDir: z.string().min(1),
  /** Its manifest version, for people reading the file; the loaded manifest is what rows carry. */
  version: z.string().min(1),
  promotedAt: z.string(),
  /** A candidate scoring beside the live model (shadow rows, not in the index). */
  shadowModelDir: z.string().min(1).optional(),
});
export type LivePointer = z.infer<typeof LivePointer>;

export const livePointerPath = (modelsDir: string) => join(modelsDir, LIVE_POINTER_FILE);

export function resolvePointerDir(pointerPath: string, dir: string): string {
  return isAbsolute(dir) ? dir : resolve(dirname(pointerPath), dir);
}

/** undefined when there is no pointer yet (the configured default model is live). */
export async function readLivePointer(path: string): Promise<LivePointer | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = LivePointer.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: invalid live pointer\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Written to a temporary file and renamed, so a reader never sees half a pointer. */
export async function writeLivePointer(path: string, pointer: LivePointer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(LivePointer.parse(pointer), null, 2)}\n`);
  await rename(tmp, path);
}

/** The directories to load at start: the pointer's when there is one, else the configured ones. */
export async function startModelDirs(o: { pointerPath: string; modelDir: string; shadowModelDir?: string | undefined }): Promise<{ live: string; shadow: string | undefined }> {
  const pointer = await readLivePointer(o.pointerPath);
  const pointed = pointer?.shadowModelDir ? resolvePointerDir(o.pointerPath, pointer.shadowModelDir) : undefined;
  return { live: pointer ? resolvePointerDir(o.pointerPath, pointer.modelDir) : o.modelDir, shadow: o.shadowModelDir ?? pointed };
}

export interface FollowOptions {
  path: string;
  scoring: Pick<Scoring, 'swapModel' | 'setShadowModel' | 'models'>;
  load: (dir: string) => Promise<SentimentModel>;
  log: Logger;
  /** How often the pointer is read (a poll: fs.watch misses renames on some file systems). */
  intervalMs?: number;
  /** The directories already loaded at start, so the first read does not load them again. */
  initial?: { live?: string; shadow?: string };
}

export interface PointerFollower {
  /** Reads the pointer now and applies a change; resolves when the swap is done. */
  check(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Follows the pointer: a new live or shadow directory is loaded first (a model that fails to load
 * leaves the current one serving), then swapped in between chunks by the scoring service.
 */
export function followLivePointer(o: FollowOptions): PointerFollower {
  const log = o.log.child({ component: 'live-pointer' });
  let applied = { live: o.initial?.live ?? '', shadow: o.initial?.shadow ?? '' };
  let checking: Promise<void> | undefined;
  let failed: string | undefined;
  let stopped = false;

  async function apply(): Promise<void> {
    let pointer: LivePointer | undefined;
    try {
      pointer = await readLivePointer(o.path);
    } catch (err) {
      log.error({ err, path: o.path }, 'live pointer unreadable; keeping the current models');
      return;
    }
    if (!pointer) return;
    // A pointer that failed to apply is not retried every poll; rewriting it (a new promotedAt) retries.
    const seen = JSON.stringify(pointer);
    if (seen === failed) return;
    const live = resolvePointerDir(o.path, pointer.modelDir);
    const shadow = pointer.shadowModelDir ? resolvePointerDir(o.path, pointer.shadowModelDir) : '';
    if (live !== applied.live) {
      try {
        const next = await o.load(live);
        if (next.version === o.scoring.models().live.version) await next.close();
        else await o.scoring.swapModel(next);
        applied.live = live;
        log.info({ model: next.version, dir: live }, 'live model follows the pointer');
      } catch (err) {
        failed = seen;
        log.error({ err, dir: live }, 'pointed model failed to load; the current one keeps serving');
      }
    }
    if (shadow !== applied.shadow) {
      try {
        await o.scoring.setShadowModel(shadow ? await o.load(shadow) : undefined);
        applied = { ...applied, shadow };
      } catch (err) {
        failed = seen;
        log.error({ err, dir: shadow }, 'shadow model failed to load');
      }
    }
  }

  const check = () => (checking ??= apply().finally(() => (checking = undefined)));
  const timer = setInterval(() => {
    if (!stopped) void check();
  }, o.intervalMs ?? 2_000);
  timer.unref();
  return {
    check,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await checking;
    },
  };
}
