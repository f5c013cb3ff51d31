// Loads the reviewed SQL in analytics/queries by name, once, so queries live as files and never as strings.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const QUERIES_DIR = fileURLToPath(new URL('../queries', import.meta.url));
const cache = new Map<string, string>();

export function sqlFile(name: string): string {
  let sql = cache.get(name);
  if (sql === undefined) {
    sql = readFileSync(`${QUERIES_DIR}/${name}.sql`, 'utf8');
    cache.set(name, sql);
  }
  return sql;
}
