import { setTimeout as sleep } from 'node:timers/promises';

/** What a readiness check may look at while it waits. */
export interface WaitContext {
  /** Everything the component has logged so far. */
  readonly logText: () => string;
  /** Rejects if the component died while we wait (e.g. its process exited). */
  readonly failIfExited: () => void;
  readonly signal?: AbortSignal;
}

/** A readiness condition: resolves once ready, polls until `deadline` (epoch ms), else throws. */
export interface WaitStrategy {
  readonly description: string;
  waitUntilReady(context: WaitContext, deadline: number): Promise<void>;
}

/** Thrown by a strategy whose deadline passed; the caller turns it into a typed GraderError. */
export class WaitTimeoutError extends Error {
  constructor(readonly description: string, readonly lastError?: unknown) {
    super(`timed out waiting for ${description}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`);
  }
}

async function poll(
  description: string,
  context: WaitContext,
  deadline: number,
  attempt: () => Promise<boolean>,
  intervalMs = 100,
): Promise<void> {
  let lastError: unknown;
  for (;;) {
    context.failIfExited();
    context.signal?.throwIfAborted();
    try {
      if (await attempt()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(description, lastError);
    await sleep(intervalMs, undefined, context.signal ? { signal: context.signal } : undefined);
  }
}

/** Ready once the log matches `pattern`. */
export function forLogMessage(pattern: RegExp): WaitStrategy {
  return {
    description: `log line ${String(pattern)}`,
    waitUntilReady: (context, deadline) =>
      poll(`log line ${String(pattern)}`, context, deadline, () => Promise.resolve(pattern.test(context.logText())), 50),
  };
}

/** Ready once `probe` resolves without throwing (each attempt should bound its own time). */
export function forProbe(description: string, probe: () => Promise<void>, intervalMs = 200): WaitStrategy {
  return {
    description,
    waitUntilReady: (context, deadline) =>
      poll(description, context, deadline, async () => {
        await probe();
        return true;
      }, intervalMs),
  };
}

/** Ready once every strategy is, checked in order (so later probes run only after earlier ones). */
export function forAll(...strategies: WaitStrategy[]): WaitStrategy {
  return {
    description: strategies.map((s) => s.description).join(' and '),
    async waitUntilReady(context, deadline) {
      for (const strategy of strategies) await strategy.waitUntilReady(context, deadline);
    },
  };
}
