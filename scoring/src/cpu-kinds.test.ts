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

const Result = z.object({
  cases: z.number().int(),
  worst: z.number(),
  worstText: z.string(),
  over: z.number().int(),
  labelMismatches: z.number().int(),
  tolerance: z.number(),
  modelVersion: z.string(),
});

// The integer products agree exactly for equal inputs, but the float work feeding each quantizer
// (layer norm, GELU, softmax) rounds differently per instruction set, and an activation that sits on a
// step of its fixed uint8 grid can land one code over: a one-step change, not a different product.
// Measured on minilm-l6-int8-crypto-2026.12.02: 1 of 115 cases at 1.14e-4, the rest within 1e-4. The
// failure this test exists for, u8 x s8 pair sums saturating with 8-bit weights, moved probabilities by
// up to 0.26 and flipped 3 of 115 labels (training/experiments/2026-12-01-static-int8.md).
const CROSS_KIND_TOLERANCE = 1e-3;

test(`the shipped transformer reproduces its training fixture on an emulated AVX2-only CPU (${CPU})`, { timeout: 900_000 }, async (t) => {
  // .ci/run installs qemu-user; a developer machine without it skips, saying so.
  if (!(await qemuAvailable())) return t.skip(`${QEMU} not found (apt-get install qemu-user)`);
  const fixture = ParityFixture.parse(JSON.parse(await readFile(fileURLToPath(new URL('./fixtures/transformer-parity.json', import.meta.url)), 'utf8')));
  const cli = fileURLToPath(new URL('./parity-cli.ts', import.meta.url));
  const { stdout } = await run(QEMU, ['-cpu', CPU, process.execPath, '--import', 'tsx', cli], { maxBuffer: 1 << 20, timeout: 840_000 });
  const result = Result.parse(JSON.parse(stdout.trim().split('\n').at(-1)!));
  assert.equal(result.cases, fixture.cases.length);
  assert.equal(result.labelMismatches, 0, `labels differ on ${result.labelMismatches} cases`);
  assert.ok(
    result.worst <= CROSS_KIND_TOLERANCE,
    `max |emulated ${CPU} - python| = ${result.worst} on ${JSON.stringify(result.worstText)} (${result.over} cases over the same-kind ${fixture.tolerance})`,
  );
});
