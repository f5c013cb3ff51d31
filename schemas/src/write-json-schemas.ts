// Writes schemas/json/*.json from the zod schemas (the committed copies are checked by a test).
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { topicJsonSchemas } from './json-schemas.ts';

const dir = fileURLToPath(new URL('../json', import.meta.url));
mkdirSync(dir, { recursive: true });
for (const [file, schema] of Object.entries(topicJsonSchemas())) {
  writeFileSync(`${dir}/${file}`, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schemas/json/${file}\n`);
}
