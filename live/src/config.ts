// Live gateway configuration, parsed once from the environment in main.ts.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CommonConfig, parseConfig } from '@barometer/runtime/config';

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../frontend/dist', import.meta.url));

export const LiveConfig = CommonConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** The built dashboard to serve at `/`. */
  BAROMETER_STATIC_DIR: z.string().default(DEFAULT_STATIC_DIR),
});
export type LiveConfig = z.infer<typeof LiveConfig>;

export function loadLiveConfig(source: NodeJS.ProcessEnv = process.env): LiveConfig {
  return parseConfig(LiveConfig, source);
}
