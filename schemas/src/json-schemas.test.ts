// The published JSON Schemas are current: regenerate with `npm run generate -w @barometer/schemas`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { topicJsonSchemas } from './json-schemas.ts';

test('schemas/json matches the zod schemas', () => {
  for (const [file, schema] of Object.entries(topicJsonSchemas())) {
    const committed: unknown = JSON.parse(readFileSync(fileURLToPath(new URL(`../json/${file}`, import.meta.url)), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(schema)), `${file} is stale: npm run generate -w @barometer/schemas`);
  }
});
