// Configuration of the social sources (X, Mastodon) and the factory that turns it into IngestSources.
// The ingest config merges `SocialConfig` in; `createSocialSources` is called from main.
import { z } from 'zod';
import type { Logger } from 'pino';
import type { IngestSource } from './source.ts';
import { createXSource } from './x-source.ts';
import { createMastodonSource } from './mastodon-source.ts';

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    );

const millis = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const SocialConfig = z.object({
  /** App-only bearer token of an X developer app; without it the X source is disabled. */
  X_BEARER_TOKEN: z.string().min(1).optional(),
  /** Cashtags and keywords the filtered stream (or recent search) matches, comma-separated. */
  BAROMETER_X_RULES: list('$BTC,$ETH,$SOL,$XRP,bitcoin,ethereum,crypto'),
  /** Base URL of the X API (tests point it at a local fake). */
  BAROMETER_X_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.x.com'),
  /** How often recent search is polled when the filtered stream is not available to the app. */
  BAROMETER_X_SEARCH_INTERVAL_MS: millis(60_000),
  /** Mastodon hashtag timelines are public (no key), so they are on unless turned off. */
  BAROMETER_MASTODON_ENABLED: z.stringbool().default(true),
  /** Instances, as hostnames (`mastodon.social`) or base URLs, comma-separated. */
  BAROMETER_MASTODON_INSTANCES: list('mastodon.social'),
  /** Hashtags without `#`, comma-separated. */
  BAROMETER_MASTODON_TAGS: list('bitcoin,crypto,ethereum'),
  BAROMETER_MASTODON_POLL_INTERVAL_MS: millis(120_000),
});
export type SocialConfig = z.infer<typeof SocialConfig>;

/** Every configured social source; disabled ones too (enabled = false), so health lists them. */
export function createSocialSources(config: SocialConfig, deps: { log: Logger }): IngestSource[] {
  const sources: IngestSource[] = [
    createXSource({
      bearerToken: config.X_BEARER_TOKEN,
      apiUrl: config.BAROMETER_X_API_URL,
      rules: config.BAROMETER_X_RULES,
      searchIntervalMs: config.BAROMETER_X_SEARCH_INTERVAL_MS,
      log: deps.log,
    }),
  ];
  for (const instance of config.BAROMETER_MASTODON_INSTANCES) {
    sources.push(
      createMastodonSource({
        instance,
        tags: config.BAROMETER_MASTODON_TAGS,
        pollIntervalMs: config.BAROMETER_MASTODON_POLL_INTERVAL_MS,
        enabled: config.BAROMETER_MASTODON_ENABLED,
        log: deps.log,
      }),
    );
  }
  return sources;
}
