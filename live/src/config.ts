// Live gateway configuration, parsed once from the environment in main.ts (embedded mode parses it too).
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CommonConfig, parseConfig } from '@barometer/runtime/config';

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../frontend/dist', import.meta.url));

const OriginList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(z.array(z.url().transform((u) => new URL(u).origin)));

export const LiveConfig = CommonConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** The built dashboard to serve at `/`. */
  BAROMETER_STATIC_DIR: z.string().default(DEFAULT_STATIC_DIR),
  /** Comma-separated origins (`https://dash.example.com`) allowed to call the API and socket cross-origin; empty = same origin only. */
  BAROMETER_CORS_ORIGINS: OriginList,
  /** Requests per minute per client IP on the HTTP API (the socket is limited per connection instead). */
  BAROMETER_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  /** Requests per minute per client IP on the expensive routes: `POST /api/v1/score` and `/api/v1/sql`. */
  BAROMETER_RATE_LIMIT_EXPENSIVE: z.coerce.number().int().min(1).default(30),
  /** Behind a reverse proxy: take the client IP (for rate limits) from X-Forwarded-For. */
  BAROMETER_TRUST_PROXY: z.stringbool().default(false),
  /** Bearer token that turns on `POST /api/v1/sql`; unset = the route does not exist (404). */
  BAROMETER_SQL_TOKEN: z.string().min(16, 'BAROMETER_SQL_TOKEN must be at least 16 characters').optional(),
  /** The sentiment model for `POST /api/v1/score` (the same variable scoring reads); unset = the bundled model. */
  BAROMETER_MODEL_DIR: z.string().min(1).optional(),
  /** Least time between two `sentiment:tick` events of one room. */
  BAROMETER_TICK_INTERVAL_MS: z.coerce.number().int().min(100).default(1000),
  /** Bearer token that turns on the labeling routes and the sampler; unset = they do not exist (404). */
  BAROMETER_LABEL_TOKEN: z.string().min(16, 'BAROMETER_LABEL_TOKEN must be at least 16 characters').optional(),
  /**
   * Whether this process runs the periodic labeling sampler (only with a label token). Exactly one
   * replica should: the default is true in embedded mode (one process) and false for `live` alone.
   */
  BAROMETER_LABEL_SAMPLER: z.stringbool().optional(),
  /** Items the sampler queues per run. */
  BAROMETER_LABEL_SAMPLE_SIZE: z.coerce.number().int().min(1).max(1000).default(8),
  /** Minutes between two sampler runs (the first runs at start). */
  BAROMETER_LABEL_SAMPLE_INTERVAL_MIN: z.coerce.number().min(1).default(360),
  /** How far back the sampler looks for scored items. */
  BAROMETER_LABEL_SAMPLE_LOOKBACK_H: z.coerce.number().min(1).default(24),
  /** Uncertainty measure: `entropy` of the three probabilities, or `least_confidence` (1 − the top one). */
  BAROMETER_LABEL_SAMPLE_STRATEGY: z.enum(['entropy', 'least_confidence']).default('entropy'),
  /** Minutes between two drift checks (last 24 h against the 7 days before). */
  BAROMETER_DRIFT_INTERVAL_MIN: z.coerce.number().min(1).default(60),
});
export type LiveConfig = z.infer<typeof LiveConfig>;

export function loadLiveConfig(source: NodeJS.ProcessEnv = process.env): LiveConfig {
  return parseConfig(LiveConfig, source);
}

/** The HTTP hardening knobs `buildApp` takes, with the defaults a test or the bench gets. */
export interface HttpSettings {
  corsOrigins: string[];
  rateLimit: number;
  rateLimitExpensive: number;
  trustProxy: boolean;
  sqlToken?: string;
  labelToken?: string;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = { corsOrigins: [], rateLimit: 600, rateLimitExpensive: 30, trustProxy: false };

export function httpSettingsOf(config: LiveConfig): HttpSettings {
  return {
    corsOrigins: config.BAROMETER_CORS_ORIGINS,
    rateLimit: config.BAROMETER_RATE_LIMIT,
    rateLimitExpensive: config.BAROMETER_RATE_LIMIT_EXPENSIVE,
    trustProxy: config.BAROMETER_TRUST_PROXY,
    sqlToken: config.BAROMETER_SQL_TOKEN,
    labelToken: config.BAROMETER_LABEL_TOKEN,
  };
}

/** The labeling sampler's schedule; it runs only where labeling is on (a label token) and `enabled`. */
export interface SamplerSettings {
  enabled: boolean;
  sizePerRun: number;
  intervalMs: number;
  lookbackHours: number;
  strategy: 'entropy' | 'least_confidence';
}

export const DEFAULT_SAMPLER_SETTINGS: SamplerSettings = { enabled: false, sizePerRun: 8, intervalMs: 360 * 60_000, lookbackHours: 24, strategy: 'entropy' };

/** `samplerByDefault`: whether this kind of process runs the sampler when BAROMETER_LABEL_SAMPLER is unset. */
export function samplerSettingsOf(config: LiveConfig, samplerByDefault: boolean): SamplerSettings {
  return {
    enabled: config.BAROMETER_LABEL_SAMPLER ?? samplerByDefault,
    sizePerRun: config.BAROMETER_LABEL_SAMPLE_SIZE,
    intervalMs: config.BAROMETER_LABEL_SAMPLE_INTERVAL_MIN * 60_000,
    lookbackHours: config.BAROMETER_LABEL_SAMPLE_LOOKBACK_H,
    strategy: config.BAROMETER_LABEL_SAMPLE_STRATEGY,
  };
}
