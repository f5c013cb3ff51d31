// Shared configuration: defaults, broker lists, and errors that say what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommonConfig, ConfigError, parseConfig } from './config.ts';

test('defaults and a broker list', () => {
  const c = parseConfig(CommonConfig, { KAFKA_BROKERS: 'a:9092, b:9093' });
  assert.deepEqual(c.KAFKA_BROKERS, ['a:9092', 'b:9093']);
  assert.equal(c.LOG_LEVEL, 'info');
  assert.equal(c.BAROMETER_DATA_DIR, './data');
  assert.equal(parseConfig(CommonConfig, {}).KAFKA_BROKERS, undefined);
});

test('a bad value is a ConfigError naming the variable', () => {
  assert.throws(() => parseConfig(CommonConfig, { KAFKA_BROKERS: 'nohostport', CLICKHOUSE_URL: 'not a url' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /KAFKA_BROKERS/);
    assert.match(err.message, /CLICKHOUSE_URL/);
    return true;
  });
});
