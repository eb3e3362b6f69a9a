import { describe, expect, it } from 'vitest';
import { clientQuotaCommands, graderClientId, TARGET_CLIENT_QUOTAS } from './client-quotas.ts';

describe('clientQuotaCommands', () => {
  it('bounds the default user (shared by every client id) and exempts only the grader id, which takes precedence', () => {
    const [targets, grader] = clientQuotaCommands('127.0.0.1:9092', 'grader-0123');
    expect(targets).toEqual([
      '--bootstrap-server', '127.0.0.1:9092', '--alter', '--entity-type', 'users', '--entity-default',
      '--add-config', 'producer_byte_rate=1048576,consumer_byte_rate=16777216,request_percentage=100',
    ]);
    // users/<default>/clients/<id> ranks above users/<default> in Kafka's quota precedence.
    expect(grader?.slice(0, 10)).toEqual(['--bootstrap-server', '127.0.0.1:9092', '--alter', '--entity-type', 'users', '--entity-default', '--entity-type', 'clients', '--entity-name', 'grader-0123']);
    for (const key of Object.keys(TARGET_CLIENT_QUOTAS)) expect(grader?.at(-1)).toMatch(new RegExp(`${key}=\\d{7,}`));
  });

  it('uses a random grader client id per process', () => {
    expect(graderClientId()).toMatch(/^grader-[0-9a-f]{12}$/);
  });
});
