import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { applyGraderSchema, GRADER_SCHEMA_PATH, seedProducts } from './seed.ts';

function recordingClient() {
  const calls: { text: string; values?: unknown[] }[] = [];
  const client = {
    query: (text: string, values?: unknown[]) => {
      calls.push(values === undefined ? { text } : { text, values });
      return Promise.resolve({ rows: [], rowCount: 0 });
    },
  } as unknown as pg.ClientBase;
  return { client, calls };
}

describe('docs/schema.sql', () => {
  const sql = readFileSync(GRADER_SCHEMA_PATH, 'utf8');
  const statements = sql.replace(/--.*$/gm, '');

  it('defines products without a CHECK and message_outcomes without a UNIQUE', () => {
    expect(statements).toMatch(/CREATE TABLE IF NOT EXISTS products \(\s*sku\s+text PRIMARY KEY,\s*stock\s+integer NOT NULL\s*\);/);
    expect(statements).toMatch(/CREATE TABLE IF NOT EXISTS message_outcomes \(/);
    expect(statements).toMatch(/outcome\s+text NOT NULL CHECK \(outcome IN \('applied', 'rejected', 'invalid'\)\)/);
    expect(statements).toMatch(/recorded_at timestamptz NOT NULL DEFAULT clock_timestamp\(\)/);
    expect(statements).not.toMatch(/UNIQUE/i);
    expect(statements).not.toMatch(/CHECK \(stock/i);
  });
});

describe('applyGraderSchema', () => {
  it('runs docs/schema.sql as it is', async () => {
    const { client, calls } = recordingClient();
    await applyGraderSchema(client);
    expect(calls).toEqual([{ text: readFileSync(GRADER_SCHEMA_PATH, 'utf8') }]);
  });
});

describe('seedProducts', () => {
  it('inserts every SKU in one statement', async () => {
    const { client, calls } = recordingClient();
    await seedProducts(client, { A: 10, B: 0 });
    expect(calls).toEqual([
      { text: 'INSERT INTO products (sku, stock) SELECT * FROM unnest($1::text[], $2::integer[])', values: [['A', 'B'], [10, 0]] },
    ]);
  });

  it('does nothing for no SKU and refuses impossible stock', async () => {
    const { client, calls } = recordingClient();
    await seedProducts(client, {});
    expect(calls).toEqual([]);
    await expect(seedProducts(client, { A: -1 })).rejects.toThrow(RangeError);
    await expect(seedProducts(client, { A: 1.5 })).rejects.toThrow(RangeError);
    await expect(seedProducts(client, { A: 2 ** 31 })).rejects.toThrow(RangeError);
    await expect(seedProducts(client, { '': 1 })).rejects.toThrow(RangeError);
  });
});
