// The pointer follower: loads before swapping, keeps the current model when the pointed one is broken,
// and picks up shadow changes; the pointer file is validated and written atomically.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { followLivePointer, readLivePointer, writeLivePointer } from './live-pointer.ts';
import type { SentimentModel } from './sentiment-model.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'barometer-pointer-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fakeModel = (version: string, closed: string[]) =>
  ({ version, close: async () => void closed.push(version) }) as unknown as SentimentModel;

test('the follower swaps to a loadable model, keeps serving through a broken one, and follows the shadow', async () => {
  const path = join(dir, 'live.json');
  const closed: string[] = [];
  let live = fakeModel('a', closed);
  let shadow: SentimentModel | undefined;
  const scoring = {
    swapModel: async (next: SentimentModel) => void ((await live.close()), (live = next)),
    setShadowModel: async (next: SentimentModel | undefined) => void ((await shadow?.close()), (shadow = next)),
    models: () => ({ live, shadow }),
  };
  const load = async (d: string) => {
    if (d.endsWith('broken')) throw new Error('manifest missing');
    return fakeModel(d.slice(d.lastIndexOf('/') + 1), closed);
  };
  const follower = followLivePointer({ path, scoring, load, log: pino({ level: 'silent' }), intervalMs: 60_000, initial: { live: join(dir, 'a') } });

  await follower.check();
  assert.equal(live.version, 'a', 'no pointer: nothing changes');
  await writeLivePointer(path, { v: 1, modelDir: 'broken', version: 'x', promotedAt: '2026-11-23T10:00:00.000Z' });
  await follower.check();
  assert.equal(live.version, 'a', 'a model that fails to load leaves the current one serving');
  await writeLivePointer(path, { v: 1, modelDir: 'b', version: 'b', promotedAt: '2026-11-23T10:01:00.000Z', shadowModelDir: 's' });
  await follower.check();
  assert.deepEqual([live.version, shadow?.version, closed], ['b', 's', ['a']]);
  await writeLivePointer(path, { v: 1, modelDir: 'b', version: 'b', promotedAt: '2026-11-23T10:01:00.000Z' });
  await follower.check();
  assert.deepEqual([live.version, shadow, closed], ['b', undefined, ['a', 's']]);
  await follower.stop();
});

test('an invalid pointer is refused with the reason', async () => {
  const path = join(dir, 'bad.json');
  await writeFile(path, JSON.stringify({ v: 1, modelDir: '' }));
  await assert.rejects(readLivePointer(path), /invalid live pointer/);
  assert.equal(await readLivePointer(join(dir, 'none.json')), undefined);
});
