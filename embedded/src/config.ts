// Embedded mode's configuration: the union of every service's settings plus the local broker's port.
import { z } from 'zod';
import { parseConfig, resolveUserPath } from '@barometer/runtime/config';
import { loadIngestConfig } from '@barometer/ingest/config';
import { loadScoringConfig } from '@barometer/scoring/config';
import { loadLiveConfig } from '@barometer/live/config';

const EmbeddedOnly = z.object({
  /** Port of the local Kafka broker started when KAFKA_BROKERS is unset. */
  BAROMETER_KAFKA_PORT: z.coerce.number().int().min(1).max(65_535).default(9092),
});

export function loadEmbeddedConfig(source: NodeJS.ProcessEnv = process.env) {
  const ingest = loadIngestConfig(source);
  const scoring = loadScoringConfig(source);
  const live = loadLiveConfig(source);
  const own = parseConfig(EmbeddedOnly, source);
  return { ingest, scoring, live, ...own, dataDir: resolveUserPath(live.BAROMETER_DATA_DIR, source) };
}
export type EmbeddedConfig = ReturnType<typeof loadEmbeddedConfig>;
