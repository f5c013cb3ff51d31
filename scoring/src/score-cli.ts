// `npm run score --silent -- FILE`: scores a file of texts (one per line; `-` reads stdin) and
// prints one JSON object per line, in input order. The model is the default one unless
// BAROMETER_MODEL_DIR names another directory (e.g. scoring/models/linear-tfidf).

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolveUserPath } from '@barometer/runtime/config';
import { loadScoringConfig } from './config.ts';
import { defaultModelDir, labelOf, loadSentimentModel, type SentimentModel } from './sentiment-model.ts';

async function writeScored(model: SentimentModel, texts: string[]): Promise<void> {
  const scores = await model.scoreBatch(texts);
  const lines = texts.map((text, i) => {
    const s = scores[i]!;
    return JSON.stringify({ text, label: labelOf(s), negative: s.negative, neutral: s.neutral, positive: s.positive, model_version: model.version });
  });
  const chunk = `${lines.join('\n')}\n`;
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    process.stderr.write('usage: npm run score --silent -- FILE   (one text per line; - for stdin)\n');
    process.exit(2);
  }
  const config = loadScoringConfig();
  const model = await loadSentimentModel(config.BAROMETER_MODEL_DIR ? resolveUserPath(config.BAROMETER_MODEL_DIR) : defaultModelDir, {
    intraOpNumThreads: config.BAROMETER_ONNX_THREADS,
  });
  try {
    const input = file === '-' ? process.stdin : createReadStream(resolveUserPath(file));
    let batch: string[] = [];
    // readline splits on \n and \r\n and yields no empty line after a final newline.
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      batch.push(line);
      if (batch.length >= config.BAROMETER_SCORING_BATCH) {
        await writeScored(model, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await writeScored(model, batch);
  } finally {
    await model.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
