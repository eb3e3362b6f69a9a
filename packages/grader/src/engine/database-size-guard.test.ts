import { describe, expect, it } from 'vitest';
import { DatabaseSizeGuard } from './database-size-guard.ts';

function fakeDb(sizes: number[]) {
  const asked: unknown[][] = [];
  return {
    asked,
    query: (_sql: string, params: unknown[]) => {
      asked.push(params);
      const size = sizes.shift();
      return size === undefined ? Promise.reject(new Error('pool is closing')) : Promise.resolve({ rows: [{ size: String(size) }] });
    },
  };
}

describe('DatabaseSizeGuard', () => {
  it('says nothing and does nothing while the database is under its cap', async () => {
    const db = fakeDb([10e6, 20e6]);
    let exceeded = 0;
    const guard = new DatabaseSizeGuard(db as never, 'grader_x_1', () => Promise.resolve(void (exceeded += 1)), 100 * 1024 * 1024);
    await guard.look();
    await guard.look();
    expect(db.asked).toEqual([['grader_x_1'], ['grader_x_1']]);
    expect(guard.violation).toBeUndefined();
    expect(exceeded).toBe(0);
    expect(guard.largest).toBe(20e6);
  });

  it('past the cap, names the size and the cap, and acts at every look while it is still over', async () => {
    const db = fakeDb([300 * 1024 * 1024, 310 * 1024 * 1024]);
    let exceeded = 0;
    const guard = new DatabaseSizeGuard(db as never, 'grader_x_1', () => Promise.resolve(void (exceeded += 1)), 256 * 1024 * 1024);
    await guard.look();
    await guard.look();
    expect(guard.violation).toBe("the target's database grew to 300 MB, past its cap of 256 MB: its replicas were killed and the database dropped");
    expect(exceeded).toBe(2);
  });

  it('a failed query decides nothing', async () => {
    const guard = new DatabaseSizeGuard(fakeDb([]) as never, 'grader_x_1', () => Promise.reject(new Error('unreachable')), 1);
    await guard.look();
    expect(guard.violation).toBeUndefined();
  });
});
