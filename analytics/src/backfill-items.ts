// Reads the raw items a backfill rescores (backfill-items.sql): one keyset page at a time.
import type { ClickHouseClient } from '@clickhouse/client';
import { RawItem } from '@barometer/schemas/items';
import { z } from 'zod';
import { toClickHouseTime } from './sentiment-queries.ts';
import { sqlFile } from './sql-files.ts';

export interface BackfillPage {
  from: Date;
  to: Date;
  /** Rows this version already has (live or shadow) are left out. */
  modelVersion: string;
  limit: number;
  /** The last item of the previous page; undefined for the first page. */
  after?: { published_at: string; id: string } | undefined;
}

const ItemRow = z.object({ url: z.string() }).passthrough();

export async function queryItemsToRescore(ch: ClickHouseClient, p: BackfillPage): Promise<RawItem[]> {
  const rs = await ch.query({
    query: sqlFile('backfill-items'),
    query_params: {
      from: toClickHouseTime(p.from),
      to: toClickHouseTime(p.to),
      model_version: p.modelVersion,
      limit: p.limit,
      after_published: toClickHouseTime(p.after ? new Date(p.after.published_at) : new Date(0)),
      after_id: p.after?.id ?? '',
    },
    format: 'JSONEachRow',
  });
  // Stored with '' for "no link"; the wire shape says null.
  return z.array(ItemRow).parse(await rs.json()).map((r) => RawItem.parse({ v: 1, ...r, url: r.url === '' ? null : r.url }));
}
