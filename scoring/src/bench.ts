// `npm run bench -w @barometer/scoring`: items/s on one core for every shipped model, at the batch
// sizes the consumer uses, with cleanText and tokenization included. Texts are the held-out tfns
// headlines (validation and test) of at most 32 tokens (96% of them), in a fixed shuffled order, so
// a batch mixes lengths as a feed does; held out because the cascade's speed depends on how sure
// its first stage is, and a model is surer of the texts it was trained on.
// Writes this CPU's run into scoring/models/bench.json, keeping the runs of other CPUs (the figures
// depend on the instruction set more than on anything else) and this CPU's earlier figures at the
// consumer's batch (bench-record.ts), for `npm run eval`'s model cards.

import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { BenchFile, recordRun, type BenchRun } from './bench-record.ts';
import { cpuInfo, hasInt8DotProduct, hasInt8Matrix } from './cpu.ts';
import { loadFrozenSplit } from './frozen-split.ts';
import { meanLayersRun, type TransformerManifest } from './model-manifest.ts';
import { accurateModelDir, cascadeModelDir, e5ModelDir, hasModel, linearModelDir, loadSentimentModel, minilmModelDir, modelsDir, type SentimentModel } from './sentiment-model.ts';
import { cleanText } from './text-clean.ts';

const BATCHES = [1, 8, 32, 128];
const MAX_TOKENS = 32;

/** The runs already in bench.json (none if there is no file), read before minutes of timing, not after. */
async function previousRuns(path: string): Promise<BenchRun[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const parsed = BenchFile.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path}: not a bench file of runs per CPU (move it away to start afresh)\n${z.prettifyError(parsed.error)}`);
  return parsed.data.runs;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

// Mulberry32: a seeded shuffle, so every run times the same batches.
function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface EncoderShape {
  layers: number;
  hidden: number;
  intermediate: number;
}

// Per token each layer multiplies by 4·H² (Q, K, V, output) + 2·H·I (feed-forward) weights, 2 FLOP
// per multiply-add; attention adds 4·T²·H per layer. MiniLM-L6: 6 × 384 × 1536; mpnet-base: 12 × 768 × 3072.
function flopPerItem(tokens: number, { layers, hidden, intermediate }: EncoderShape): number {
  return layers * (2 * tokens * (4 * hidden * hidden + 2 * hidden * intermediate) + 4 * tokens * tokens * hidden);
}

// With early exits, the texts an exit answers skip the later layers (these texts are validation and test).
function layersRun(m: TransformerManifest): EncoderShape {
  return { ...m.base, layers: meanLayersRun(m) };
}

/**
 * One core's arithmetic bound for this model. The served graph computes its matrix products in
 * integers (MatMulIntegerToFloat of uint8 activations and int8 weights, training/quantize_int8.py), so the
 * bound is the int8 rate: with VNNI, 2 × 256-bit dot-product units × 32 int8 lanes × 2 OP = 128 OP
 * per cycle (32 FLOP per cycle in fp32 without it), at the clock /proc/cpuinfo reports. A peak, not a
 * roofline: memory traffic and the non-matmul work (tokenization, quantizing activations, softmax,
 * layer norm) are what the remaining share goes to.
 */
function coreBound(): { opsPerSecond: number; what: string } | null {
  const info = cpuInfo();
  if (!info) return null;
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(info)?.[1] ?? cpus()[0]?.speed ?? 0);
  if (!mhz) return null;
  // AMX: one TMUL multiplies 16x64 int8 by 64x16 per 16 cycles, 1,024 multiply-adds = 2,048 OP per cycle.
  if (hasInt8Matrix(info) === true) return { opsPerSecond: 2048 * mhz * 1e6, what: 'int8 AMX peak' };
  const vnni = hasInt8DotProduct(info) === true;
  const perCycle = vnni ? 128 : 32;
  return { opsPerSecond: perCycle * mhz * 1e6, what: vnni ? 'int8 VNNI peak' : 'fp32 AVX2 peak' };
}

function flopBound(itemsPerSecond: number, meanTokens: number, shape: EncoderShape): string {
  const achieved = itemsPerSecond * flopPerItem(meanTokens, shape);
  const bound = coreBound();
  return `  ${(achieved / 1e9).toFixed(1)} GOP/s${bound ? ` = ${((100 * achieved) / bound.opsPerSecond).toFixed(0)} % of one core's ${bound.what} (${(bound.opsPerSecond / 1e9).toFixed(0)} GOP/s)` : ''}`;
}

async function main(): Promise<void> {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: join(repoRoot, '..', 'shared', 'data') },
      // Seconds per model and batch size, over all rounds: 2 s rounds hold at least one batch of 128 for
      // mpnet, where 0.8 s rounds held one or two and let a single slow batch move a median.
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '5' },
    },
  });
  const budgetMs = Number(values.seconds) * 1000;
  const path = join(modelsDir, 'bench.json');
  const previous = await previousRuns(path);
  const split = await loadFrozenSplit(values['data-dir']);
  const tokenizer = new Tokenizer(JSON.parse(await readFile(join(minilmModelDir, 'tokenizer.json'), 'utf8')), {});
  const texts = shuffled(
    [...split.validation.texts, ...split.test.texts].filter((t) => tokenizer.encode(cleanText(t)).ids.length <= MAX_TOKENS),
    42,
  );
  const meanTokens = texts.slice(0, 2000).reduce((a, t) => a + tokenizer.encode(cleanText(t)).ids.length, 0) / Math.min(2000, texts.length);

  const optional = [accurateModelDir, e5ModelDir, cascadeModelDir];
  const dirs = [minilmModelDir, ...(await Promise.all(optional.map(async (d) => ((await hasModel(d)) ? [d] : [])))).flat(), linearModelDir];
  const rounds = Number(values.rounds);
  // All models are loaded at once and every round visits each of them at each batch size, so a slow spell of
  // a shared machine lands on all of them alike: each model and size reports the median of its rounds, and its
  // ratio to MiniLM (the first model benched) in the same rounds, which drifts far less than the rates themselves.
  interface Benched {
    model: SentimentModel;
    perSize: Map<number, { latencies: number[]; rates: number[]; next: number }>;
    answered: number[];
    scored: number;
  }
  const benched: Benched[] = [];
  for (const dir of dirs) {
    const model = await loadSentimentModel(dir, { intraOpNumThreads: 1 });
    const perSize = new Map(BATCHES.map((size) => [size, { latencies: [] as number[], rates: [] as number[], next: 0 }]));
    // A cascade's speed is set by the shares its later stages take: counted over the timed batches.
    const answered = model.manifest.kind === 'cascade' ? model.manifest.stages.map(() => 0) : [];
    benched.push({ model, perSize, answered, scored: 0 });
  }
  const take = (entry: Benched, size: number) => {
    const state = entry.perSize.get(size)!;
    const batch = [];
    for (let i = 0; i < size; i++) batch.push(texts[state.next++ % texts.length]!);
    return batch;
  };
  for (const entry of benched) for (const size of BATCHES) for (let i = 0; i < 3; i++) await entry.model.scoreBatch(take(entry, size));
  for (let round = 0; round < rounds; round++) {
    // Size-major: the models' windows at one batch size follow each other within seconds, so the ratio
    // of each to MiniLM compares like with like on a machine whose speed moves from minute to minute.
    for (const size of BATCHES) {
      for (const entry of benched) {
        const state = entry.perSize.get(size)!;
        let items = 0;
        const started = performance.now();
        while (performance.now() - started < budgetMs / rounds) {
          const batch = take(entry, size);
          const t0 = performance.now();
          const scores = await entry.model.scoreBatch(batch);
          state.latencies.push(performance.now() - t0);
          entry.scored += scores.length;
          for (const x of scores) if (x.stage !== undefined) entry.answered[x.stage]! += 1;
          items += batch.length;
        }
        state.rates.push(Math.round((items / (performance.now() - started)) * 1000));
      }
    }
  }
  const results = [];
  const reference = benched[0]!;
  for (const { model, perSize, answered, scored } of benched) {
    const batches = [];
    for (const size of BATCHES) {
      const { latencies, rates } = perSize.get(size)!;
      latencies.sort((a, b) => a - b);
      const sortedRates = [...rates].sort((a, b) => a - b);
      const referenceRates = reference.perSize.get(size)!.rates;
      const ratios = rates.map((r, i) => r / referenceRates[i]!).sort((a, b) => a - b);
      const row = {
        batch: size,
        itemsPerSecond: quantile(sortedRates, 0.5),
        rounds: rates,
        ratioToDefault: Math.round(quantile(ratios, 0.5) * 1000) / 1000,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        runs: latencies.length,
      };
      // A cascade's arithmetic depends on how many texts defer, so only its stages get a bound.
      const flop = model.manifest.kind === 'transformer' ? flopBound(row.itemsPerSecond, meanTokens, layersRun(model.manifest)) : '';
      batches.push(flop ? { ...row, arithmetic: flop.trim() } : row);
      process.stdout.write(
        `${model.manifest.name.padEnd(28)} batch ${String(size).padStart(3)}: ${String(row.itemsPerSecond).padStart(5)} items/s/core (median of ${rates.join(' / ')}; ${row.ratioToDefault.toFixed(3)}x MiniLM)  p50 ${row.p50Ms.toFixed(2)} ms  p99 ${row.p99Ms.toFixed(2)} ms${flop}\n`,
      );
    }
    const stageShares = answered.map((a) => Math.round((a / scored) * 1e4) / 1e4);
    const cascade = stageShares.length > 0 ? { stageShares } : {};
    if (stageShares.length > 0) process.stdout.write(`${model.manifest.name.padEnd(28)} stages answered ${stageShares.map((x) => (100 * x).toFixed(1)).join(' / ')} % of the benched texts\n`);
    results.push({ name: model.manifest.name, version: model.version, ...cascade, batches });
  }
  for (const { model } of benched) await model.close();
  const run = {
    // To the minute, UTC: a VM's speed moves between runs of one day, and the card lists them all.
    when: `${new Date().toISOString().slice(0, 16)}Z`,
    cpu: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores shared with other work`,
    int8DotProduct: hasInt8DotProduct() ?? false,
    int8Matrix: hasInt8Matrix() ?? false,
    texts: `${texts.length} held-out tfns headlines of ≤ ${MAX_TOKENS} tokens, mean ${meanTokens.toFixed(1)} tokens with [CLS]/[SEP]`,
    models: results,
  };
  // One run per kind of CPU: this one replaces an earlier run on the same kind, of which its figures at the
  // consumer's batch are kept (bench-record.ts).
  const runs = recordRun(previous, run);
  await writeFile(path, `${JSON.stringify({ runs }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
