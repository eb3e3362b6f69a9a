import { describe, expect, it } from 'vitest';
import { silentLogger } from './infra.ts';
import { parseBrokers, selectInfra } from './select-infra.ts';

const base = { logger: silentLogger } as const;

describe('selectInfra', () => {
  it('external needs both endpoints', async () => {
    await expect(selectInfra({ ...base, infra: 'external', kafkaBrokers: '127.0.0.1:9092' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('endpoint flags imply external under auto', async () => {
    const infra = await selectInfra({ ...base, infra: 'auto', kafkaBrokers: '127.0.0.1:9092', databaseUrl: 'postgres://u:p@127.0.0.1:5432/postgres' });
    expect(infra.kind).toBe('external');
  });

  it('refuses endpoint flags with another provider', async () => {
    await expect(selectInfra({ ...base, infra: 'local', databaseUrl: 'postgres://x@y/z' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('rejects a non-postgres database URL', async () => {
    await expect(selectInfra({ ...base, infra: 'external', kafkaBrokers: 'a:1', databaseUrl: 'mysql://x@y/z' })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('postgres://') as string,
    });
  });

  it('image flags imply docker under auto, and are refused with another provider', async () => {
    expect((await selectInfra({ ...base, infra: 'auto', kafkaImage: 'mine/kafka:1' })).kind).toBe('docker');
    await expect(selectInfra({ ...base, infra: 'local', postgresImage: 'mine/pg:1' })).rejects.toMatchObject({
      code: 'USAGE',
      message: '--kafka-image/--postgres-image only apply to --infra docker, not --infra local',
    });
  });

  it('rejects out-of-range ports', async () => {
    await expect(selectInfra({ ...base, infra: 'local', kafkaPort: 70000 })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('local is local', async () => {
    expect((await selectInfra({ ...base, infra: 'local' })).kind).toBe('local');
  });
});

describe('parseBrokers', () => {
  it('splits and validates host:port', () => {
    expect(parseBrokers(' a:1, b:2 ')).toEqual(['a:1', 'b:2']);
    expect(() => parseBrokers('a')).toThrow(/not host:port/);
  });
});
