import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const valid = {
  KAFKA_BROKERS: '127.0.0.1:29092, localhost:29094',
  KAFKA_TOPIC: 'inv',
  KAFKA_GROUP_ID: 'g',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  INSTANCE_ID: 'r1',
};

describe('loadConfig', () => {
  it('reads the contract environment', () => {
    expect(loadConfig(valid)).toEqual({
      kafkaBrokers: ['127.0.0.1:29092', 'localhost:29094'],
      kafkaTopic: 'inv',
      kafkaGroupId: 'g',
      sessionTimeoutMs: 6000,
      databaseUrl: valid.DATABASE_URL,
      instanceId: 'r1',
      logLevel: 'info',
    });
  });

  const bad: [Record<string, string | undefined>, RegExp][] = [
    [{ KAFKA_BROKERS: undefined }, /KAFKA_BROKERS is not set/],
    [{ KAFKA_BROKERS: '  ' }, /KAFKA_BROKERS is not set/],
    [{ KAFKA_BROKERS: 'localhost' }, /not host:port/],
    [{ KAFKA_BROKERS: 'localhost:99999' }, /not host:port/],
    [{ KAFKA_TOPIC: '' }, /KAFKA_TOPIC is not set/],
    [{ KAFKA_GROUP_ID: undefined }, /KAFKA_GROUP_ID is not set/],
    [{ KAFKA_SESSION_TIMEOUT_MS: 'abc' }, /KAFKA_SESSION_TIMEOUT_MS must be/],
    [{ KAFKA_SESSION_TIMEOUT_MS: '6000.5' }, /KAFKA_SESSION_TIMEOUT_MS must be/],
    [{ KAFKA_SESSION_TIMEOUT_MS: '10' }, /KAFKA_SESSION_TIMEOUT_MS must be/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a URL/],
    [{ DATABASE_URL: 'mysql://h/db' }, /postgres:\/\//],
    [{ INSTANCE_ID: undefined }, /INSTANCE_ID is not set/],
    [{ INSTANCE_ID: 'r 1' }, /INSTANCE_ID must be/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ];
  for (const [patch, message] of bad) {
    it(`refuses ${JSON.stringify(patch)}`, () => {
      expect(() => loadConfig({ ...valid, ...patch })).toThrow(ConfigError);
      expect(() => loadConfig({ ...valid, ...patch })).toThrow(message);
    });
  }
});
