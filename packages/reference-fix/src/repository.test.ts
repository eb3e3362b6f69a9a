import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { applyAdjustment, applyOrder, inTransaction, recordInvalid, SQL, type Sql } from './repository.ts';
import type { AdjustMessage, OrderMessage } from './validation.ts';

interface Call {
  readonly text: string;
  readonly values: unknown[] | undefined;
}

/** Records every statement; answers each with the next scripted result (or an empty one). */
class RecordingSql implements Sql {
  readonly calls: Call[] = [];
  constructor(private readonly script: (call: Call) => Partial<pg.QueryResult> | Error | undefined = () => undefined) {}

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const call = { text, values };
    this.calls.push(call);
    const answer = this.script(call);
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ command: '', rowCount: 0, oid: 0, fields: [], rows: [], ...answer } as pg.QueryResult<R>);
  }
}

const adjust = (delta: number): AdjustMessage => ({ id: 'm1', type: 'adjust', sku: 'A', delta });
const order: OrderMessage = {
  id: 'o1',
  type: 'order',
  lines: [
    { sku: 'C', quantity: 2 },
    { sku: 'A', quantity: 1 },
    { sku: 'B', quantity: 3 },
  ],
};

describe('applyAdjustment', () => {
  it('is one statement: guarded UPDATE and outcome INSERT together, in autocommit', async () => {
    const sql = new RecordingSql((c) => (c.text === SQL.adjust ? { rowCount: 1, rows: [{ outcome: 'applied', reason: null }] } : undefined));
    await expect(applyAdjustment(sql, adjust(-3), 'r1')).resolves.toEqual({ outcome: 'applied', reason: null });
    expect(sql.calls).toEqual([{ text: SQL.adjust, values: ['m1', 'A', -3, 'r1'] }]);
  });

  it('the stock check happens in the UPDATE itself, never in application code', () => {
    expect(SQL.adjust).toMatch(/SET stock = stock \+ \$3 WHERE sku = \$2 AND stock \+ \$3 >= 0/);
    expect(SQL.adjust).not.toMatch(/ON CONFLICT/);
    expect(SQL.claim).toMatch(/ON CONFLICT \(message_id\) DO NOTHING/);
  });

  it('returns the outcome the statement recorded (rejected, invalid)', async () => {
    const rejected = { outcome: 'rejected', reason: 'insufficient stock for A' };
    await expect(applyAdjustment(new RecordingSql(() => ({ rowCount: 1, rows: [rejected] })), adjust(-50), 'r1')).resolves.toEqual(rejected);
    const invalid = { outcome: 'invalid', reason: 'unknown sku A' };
    await expect(applyAdjustment(new RecordingSql(() => ({ rowCount: 1, rows: [invalid] })), adjust(5), 'r1')).resolves.toEqual(invalid);
  });

  it('a unique violation on the outcome means a duplicate; other errors propagate', async () => {
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    await expect(applyAdjustment(new RecordingSql(() => unique), adjust(5), 'r1')).resolves.toEqual({ outcome: 'duplicate' });
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    await expect(applyAdjustment(new RecordingSql(() => deadlock), adjust(5), 'r1')).rejects.toBe(deadlock);
    await expect(applyAdjustment(new RecordingSql(), adjust(5), 'r1')).rejects.toThrow(/returned no row/);
  });
});

describe('applyOrder', () => {
  const stockRows = (rows: { sku: string; stock: number }[]) => (c: Call) =>
    c.text === SQL.claim ? { rowCount: 1 } : c.text === SQL.lockProducts ? { rowCount: rows.length, rows } : undefined;

  it('locks every line (sorted by SKU, in SQL) and decrements all lines in one statement', async () => {
    const sql = new RecordingSql(stockRows([{ sku: 'A', stock: 1 }, { sku: 'B', stock: 3 }, { sku: 'C', stock: 10 }]));
    await expect(applyOrder(sql, order, 'r2')).resolves.toEqual({ outcome: 'applied', reason: null });
    expect(sql.calls).toEqual([
      { text: SQL.claim, values: ['o1', 'applied', null, 'r2'] },
      { text: SQL.lockProducts, values: [['C', 'A', 'B']] },
      { text: SQL.decrementLines, values: [['C', 'A', 'B'], [2, 1, 3]] },
    ]);
    expect(SQL.lockProducts).toMatch(/ORDER BY sku FOR UPDATE$/);
  });

  it('rejects the whole order when any line is short, touching no stock', async () => {
    const sql = new RecordingSql(stockRows([{ sku: 'A', stock: 1 }, { sku: 'B', stock: 2 }, { sku: 'C', stock: 10 }]));
    await expect(applyOrder(sql, order, 'r2')).resolves.toEqual({ outcome: 'rejected', reason: 'insufficient stock for B' });
    expect(sql.calls.map((c) => c.text)).toEqual([SQL.claim, SQL.lockProducts, SQL.setOutcome]);
  });

  it('records invalid when a line names an unknown SKU', async () => {
    const sql = new RecordingSql(stockRows([{ sku: 'A', stock: 1 }, { sku: 'C', stock: 10 }]));
    await expect(applyOrder(sql, order, 'r2')).resolves.toEqual({ outcome: 'invalid', reason: 'unknown sku B' });
    expect(sql.calls.map((c) => c.text)).toEqual([SQL.claim, SQL.lockProducts, SQL.setOutcome]);
  });
});

describe('recordInvalid', () => {
  it('is one idempotent INSERT', async () => {
    const sql = new RecordingSql(() => ({ rowCount: 1 }));
    await expect(recordInvalid(sql, 't/1/5', 'not JSON', 'r3')).resolves.toEqual({ outcome: 'invalid', reason: 'not JSON' });
    expect(sql.calls).toEqual([{ text: SQL.claim, values: ['t/1/5', 'invalid', 'not JSON', 'r3'] }]);
    await expect(recordInvalid(new RecordingSql(), 'x', 'y', 'r3')).resolves.toEqual({ outcome: 'duplicate' });
  });
});

describe('inTransaction', () => {
  class FakeClient extends RecordingSql {
    released: unknown = 'not released';
    listeners = 0;
    release(destroy?: boolean): void {
      this.released = destroy;
    }
    on(): this {
      this.listeners++;
      return this;
    }
    off(): this {
      this.listeners--;
      return this;
    }
  }
  const poolOf = (client: FakeClient) => ({ connect: () => Promise.resolve(client) }) as unknown as pg.Pool;

  it('runs BEGIN, the work and COMMIT on one connection, then releases it', async () => {
    const client = new FakeClient();
    await expect(inTransaction(poolOf(client), async (sql) => (await sql.query('SELECT 1')).rowCount)).resolves.toBe(0);
    expect(client.calls.map((c) => c.text)).toEqual(['BEGIN', 'SELECT 1', 'COMMIT']);
    expect(client.released).toBe(false);
    expect(client.listeners).toBe(0);
  });

  it('rolls back and releases on a deadlock (connection reusable)', async () => {
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const client = new FakeClient((c) => (c.text === 'UPDATE x' ? deadlock : undefined));
    await expect(inTransaction(poolOf(client), (sql) => sql.query('UPDATE x'))).rejects.toBe(deadlock);
    expect(client.calls.map((c) => c.text)).toEqual(['BEGIN', 'UPDATE x', 'ROLLBACK']);
    expect(client.released).toBe(false);
  });

  it('discards a connection the server terminated', async () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const client = new FakeClient((c) => (c.text === 'COMMIT' || c.text === 'ROLLBACK' ? terminated : undefined));
    await expect(inTransaction(poolOf(client), (sql) => sql.query('SELECT 1'))).rejects.toBe(terminated);
    expect(client.released).toBe(true);
  });
});

describe('inTransaction with a real pg.Client object', () => {
  it('survives an error event emitted while the client is checked out, and discards the client', async () => {
    const { Client } = (await import('pg')).default;
    const client = new Client();
    let released: unknown;
    Object.assign(client, {
      query: (text: string) => {
        if (text === 'SELECT 1') client.emit('error', new Error('Connection terminated unexpectedly'));
        return Promise.resolve({ rowCount: 1, rows: [] });
      },
      release: (destroy: boolean) => (released = destroy),
    });
    const pool = { connect: () => Promise.resolve(client) } as unknown as pg.Pool;
    const result = await inTransaction(pool, (sql) => sql.query('SELECT 1'));
    expect(result).toMatchObject({ rowCount: 1 });
    expect(released).toBe(true);
    expect(client.listenerCount('error')).toBe(0);
  });
});
