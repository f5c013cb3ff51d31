// Social configuration from env: defaults, flags, and the sources it yields (disabled ones included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createSocialSources, SocialConfig } from './social-config.ts';

const log = pino({ level: 'silent' });

test('defaults: X disabled without a token, Mastodon on for mastodon.social', () => {
  const config = SocialConfig.parse({});
  assert.deepEqual(config.BAROMETER_MASTODON_TAGS, ['bitcoin', 'crypto', 'ethereum']);
  const sources = createSocialSources(config, { log });
  assert.deepEqual(
    sources.map((s) => [s.id, s.kind, s.enabled]),
    [
      ['x:posts', 'x', false],
      ['mastodon:mastodon.social', 'mastodon', true],
    ],
  );
});

test('flags parse as booleans ("false" is false) and lists are trimmed', () => {
  const config = SocialConfig.parse({
    X_BEARER_TOKEN: 'abc',
    BAROMETER_X_RULES: ' $BTC , bitcoin ,,',
    BAROMETER_MASTODON_ENABLED: 'false',
    BAROMETER_MASTODON_INSTANCES: 'mastodon.social, fosstodon.org',
  });
  assert.deepEqual(config.BAROMETER_X_RULES, ['$BTC', 'bitcoin']);
  const sources = createSocialSources(config, { log });
  assert.deepEqual(sources.map((s) => s.enabled), [true, false, false]);
  assert.equal(SocialConfig.safeParse({ BAROMETER_X_API_URL: 'ftp://x' }).success, false);
});
