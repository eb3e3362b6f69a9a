import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/** docs/schema.sql: the grader-owned tables (docs/CONTRACT.md section 5). */
export const GRADER_SCHEMA_PATH = fileURLToPath(new URL('../../../../docs/schema.sql', import.meta.url));

/** Creates products and message_outcomes in the client's database (idempotent). */
export async function applyGraderSchema(client: pg.ClientBase): Promise<void> {
  const sql = await readFile(GRADER_SCHEMA_PATH, 'utf8');
  await client.query(sql);
}

/** Inserts one products row per SKU; stocks must be non-negative int4 integers. */
export async function seedProducts(client: pg.ClientBase, stock: Record<string, number>): Promise<void> {
  const entries = Object.entries(stock);
  for (const [sku, value] of entries) {
    if (sku.length === 0) throw new RangeError('sku must not be empty');
    if (!Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
      throw new RangeError(`stock of ${sku} must be an integer in 0..2147483647, got ${value}`);
    }
  }
  if (entries.length === 0) return;
  await client.query('INSERT INTO products (sku, stock) SELECT * FROM unnest($1::text[], $2::integer[])', [
    entries.map(([sku]) => sku),
    entries.map(([, value]) => value),
  ]);
}
