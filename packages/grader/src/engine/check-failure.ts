/** A check's verdict "failed", with what it saw in numbers. Thrown by checks, shown as the message. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

/** The grader or its infrastructure broke (not the target): the run must end with exit 2. */
export class InfraFailure extends Error {
  override readonly name = 'InfraFailure';
  static readonly PREFIX = '[grader infrastructure failure] ';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`${InfraFailure.PREFIX}${message}`, options);
  }
}

/** Fails with `message` unless `condition`. */
export function ensure(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new CheckFailure(message());
}

/** "3 SKUs differ: A expected 10 got 7, B expected 0 got -2, …" for up to `max` entries. */
export function describeMismatches(
  expected: ReadonlyMap<string, number>,
  actual: ReadonlyMap<string, number>,
  max = 3,
): { count: number; text: string } {
  const diffs: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got !== want) diffs.push(`${key} expected ${want}, got ${got ?? 'missing'}`);
  }
  return { count: diffs.length, text: diffs.slice(0, max).join('; ') + (diffs.length > max ? `; … ${diffs.length - max} more` : '') };
}
