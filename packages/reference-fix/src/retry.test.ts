import { describe, expect, it } from 'vitest';
import { isConnectionError, isRetryable, withRetry } from './retry.ts';

const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('isRetryable', () => {
  it('retries serialization failures, deadlocks and lost connections', () => {
    for (const code of ['40001', '40P01', '57P01', '08006', 'ECONNRESET', 'ECONNREFUSED']) expect(isRetryable(pgError(code)), code).toBe(true);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetryable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isRetryable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('does not retry errors a rerun cannot fix', () => {
    for (const code of ['23505', '42P01', '22003', '23514']) expect(isRetryable(pgError(code)), code).toBe(false);
    expect(isRetryable(new TypeError('x is undefined'))).toBe(false);
    expect(isRetryable('a string')).toBe(false);
  });

  it('keeps the connection after a serialization failure, drops it after a connection error', () => {
    expect(isConnectionError(pgError('40001'))).toBe(false);
    expect(isConnectionError(pgError('57P01'))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
});

describe('withRetry', () => {
  const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

  it('reruns the whole function until it succeeds', async () => {
    let calls = 0;
    const result = await withRetry(() => {
      calls++;
      return calls < 3 ? Promise.reject(pgError('40001')) : Promise.resolve('done');
    }, fast);
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('rethrows a non-retryable error at once', async () => {
    let calls = 0;
    const error = pgError('23505');
    await expect(
      withRetry(() => {
        calls++;
        return Promise.reject(error);
      }, fast),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('gives up after the last attempt', async () => {
    let calls = 0;
    await expect(
      withRetry(() => {
        calls++;
        return Promise.reject(pgError('40P01'));
      }, fast),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(calls).toBe(4);
  });
});
