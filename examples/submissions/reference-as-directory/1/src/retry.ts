import { setTimeout as sleep } from 'node:timers/promises';

/** SQLSTATEs after which the whole transaction can simply be run again. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown (pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '08007', // transaction_resolution_unknown
]);

/** Socket-level failures surfaced by node-postgres (Node error codes). */
const RETRYABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** node-postgres reports a dropped connection with plain Errors that carry no code. */
const RETRYABLE_MESSAGES = [
  /connection terminated/i,
  /connection error/i,
  /timeout exceeded when trying to connect/i,
  /terminating connection/i,
  /not queryable/i,
];

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a serialization failure, a deadlock or a lost/refused database connection. */
export function isRetryable(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_NODE_CODES.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return RETRYABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** True when the connection itself is unusable and must not go back to the pool. */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  return isRetryable(error) && code !== '40001' && code !== '40P01';
}

export interface RetryOptions {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 12, baseDelayMs: 25, maxDelayMs: 1000 };

/**
 * Runs `fn` (one whole transaction) again after a retryable failure, with capped exponential
 * backoff and jitter. Re-running is safe because every transaction records its outcome under
 * the unique index on message_id: if a lost COMMIT did in fact commit, the rerun finds the row
 * (an order's claim does nothing, an adjustment fails with 23505) and changes nothing.
 * Non-retryable errors and the last failure are rethrown.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.attempts) throw error;
      options.onRetry?.(error, attempt);
      const delay = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}
