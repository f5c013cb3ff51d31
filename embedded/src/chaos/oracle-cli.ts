// The chaos suite's oracle reader: opens a stopped worker's chDB directory (one process per data
// directory, hence a process of its own) and prints, as one JSON line, what ClickHouse holds.
import { z } from 'zod';
import { createClickHouse } from '@barometer/analytics/client';

const Counts = z.object({ rows: z.number(), distinct: z.number() });

async function main() {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: oracle-cli.ts <chDB data dir>');
  const ch = createClickHouse({ kind: 'embedded', dataDir });
  const one = async (query: string) => {
    const rs = await ch.query({ query, format: 'JSONEachRow' });
    return Counts.parse((await rs.json())[0]);
  };
  try {
    const items = await one('SELECT toUInt64(count()) AS rows, toUInt64(uniqExact(id)) AS distinct FROM barometer.items');
    const itemsFinal = await one('SELECT toUInt64(count()) AS rows, toUInt64(uniqExact(id)) AS distinct FROM barometer.items FINAL');
    const scores = await one('SELECT toUInt64(count()) AS rows, toUInt64(uniqExact(id)) AS distinct FROM barometer.scores');
    const rollup = await one("SELECT toUInt64(sum(n)) AS rows, toUInt64(count()) AS distinct FROM barometer.sentiment_minute WHERE asset = ''");
    const ids = z
      .array(z.object({ id: z.string() }))
      .parse(await (await ch.query({ query: 'SELECT DISTINCT id FROM barometer.scores', format: 'JSONEachRow' })).json())
      .map((r) => r.id);
    process.stdout.write(`${JSON.stringify({ items, itemsFinal, scores, rollupN: rollup.rows, ids })}\n`);
  } finally {
    await ch.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`oracle: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
