// `tsx src/parity-cli.ts [MODEL_DIR] [FIXTURE]`: scores a parity fixture through the serving code and
// prints {"cases", "worst", "worstText", "over", "labelMismatches", "tolerance", "modelVersion"} as one JSON line. cpu-kinds.test.ts runs it on
// an emulated CPU of another kind.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ParityFixture, parityReport } from './parity.ts';
import { loadSentimentModel, minilmModelDir } from './sentiment-model.ts';

async function main(): Promise<void> {
  const dir = process.argv[2] ?? minilmModelDir;
  const fixturePath = process.argv[3] ?? fileURLToPath(new URL('./fixtures/transformer-parity.json', import.meta.url));
  const fixture = ParityFixture.parse(JSON.parse(await readFile(fixturePath, 'utf8')));
  const model = await loadSentimentModel(dir, { intraOpNumThreads: 1 });
  try {
    if (model.version !== fixture.modelVersion) throw new Error(`fixture is for ${fixture.modelVersion}, the model is ${model.version}`);
    const report = await parityReport(model, fixture);
    process.stdout.write(`${JSON.stringify({ cases: fixture.cases.length, ...report, tolerance: fixture.tolerance, modelVersion: model.version })}\n`);
  } finally {
    await model.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
