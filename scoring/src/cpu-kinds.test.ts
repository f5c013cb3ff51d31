// The shipped transformer on a CPU of another kind. Its int8 graph is claimed to compute the same
// integers everywhere (7-bit weights: AVX2's u8 x s8 pair sums cannot saturate, training/quantize_int8.py),
// and onnxruntime picks other kernels without AVX-512 / VNNI / AMX; a graph change that broke this would
// pass every other test on a VNNI machine and score differently on the AVX2-only CPUs users run.
// QEMU user-mode emulates such a CPU (Haswell: AVX2 and FMA, no AVX-512, no VNNI) for the serving code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ParityFixture } from './parity.ts';

const run = promisify(execFile);
const QEMU = process.env.QEMU_X86_64 ?? 'qemu-x86_64';
const CPU = 'Haswell-v4';

async function qemuAvailable(): Promise<boolean> {
  try {
    await run(QEMU, ['--version']);
    return true;
  } catch {
    return false;
  }
}

const Result = z.object({ cases: z.number().int(), worst: z.number(), tolerance: z.number(), modelVersion: z.string() });

test(`the shipped transformer reproduces its training fixture on an emulated AVX2-only CPU (${CPU})`, { timeout: 900_000 }, async (t) => {
  // .ci/run installs qemu-user; a developer machine without it skips, saying so.
  if (!(await qemuAvailable())) return t.skip(`${QEMU} not found (apt-get install qemu-user)`);
  const fixture = ParityFixture.parse(JSON.parse(await readFile(fileURLToPath(new URL('./fixtures/transformer-parity.json', import.meta.url)), 'utf8')));
  const cli = fileURLToPath(new URL('./parity-cli.ts', import.meta.url));
  const { stdout } = await run(QEMU, ['-cpu', CPU, process.execPath, '--import', 'tsx', cli], { maxBuffer: 1 << 20, timeout: 840_000 });
  const result = Result.parse(JSON.parse(stdout.trim().split('\n').at(-1)!));
  assert.equal(result.cases, fixture.cases.length);
  // The fixture's own tolerance, the one for the same kind of CPU: the integer products must agree
  // exactly, and the float work around them (softmax, GELU, layer norm) differs by rounding only.
  assert.ok(result.worst <= fixture.tolerance, `max |emulated ${CPU} - python| = ${result.worst} (tolerance ${fixture.tolerance})`);
});
