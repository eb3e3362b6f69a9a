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

/**
 * The grader's own machinery failed (a sandbox that did not start): not the servers, so no fresh
 * servers would help. The grade ends with exit 2, as before any retry rule.
 */
export class GraderFault extends Error {
  override readonly name = 'GraderFault';
  static readonly PREFIX = '[grader failure] ';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`${GraderFault.PREFIX}${message}`, options);
  }
}

/**
 * No verdict: the check would have failed, but a wait it depends on ran out while the machine was
 * overloaded (target/overload.ts), so its failure proves nothing about the target. Reported as
 * "inconclusive"; a grade with one is graded again (engine/grade-submission.ts), never scored.
 */
export class Inconclusive extends Error {
  override readonly name = 'Inconclusive';
  static readonly PREFIX = 'inconclusive (machine overloaded): ';
  private static readonly FAILURE = '; it would have failed with: ';
  constructor(failure: string, overload: readonly string[]) {
    super(`${Inconclusive.PREFIX}${overload.join('; ')}${Inconclusive.FAILURE}${failure}`);
  }

  /** The failure an inconclusive check's message says it would have been (the message itself otherwise). */
  static failureOf(message: string): string {
    const at = message.startsWith(Inconclusive.PREFIX) ? message.indexOf(Inconclusive.FAILURE) : -1;
    return at < 0 ? message : message.slice(at + Inconclusive.FAILURE.length);
  }
}

/** A check's failure as reported: Inconclusive when a wait of its scenario ran out on an overloaded machine (`overload` says how). */
export function unlessOverloaded(failure: CheckFailure, overload: readonly string[]): CheckFailure | Inconclusive {
  return overload.length > 0 ? new Inconclusive(failure.message, overload) : failure;
}

/** Fails with `message` unless `condition`. */
export function ensure(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new CheckFailure(message());
}

/**
 * A failed check's message with the scenario's first unexpected replica exit appended, unless the
 * message already names a replica's exit: a count ("expected 180, got 116") alone hides that a
 * replica stopped on a data race or crashed, which is the reason the user needs.
 */
export function withCrashes(message: string, crashes: readonly string[]): string {
  if (crashes.length === 0 || /\breplica r\d+ (stopped|exited|flooded)/.test(message)) return message;
  const more = crashes.length > 1 ? ` (and ${crashes.length - 1} more replica exit(s))` : '';
  return `${message}; during the scenario ${crashes[0]}${more}`;
}

/**
 * Up to `max` mismatches as "A expected 10, got 7 (-3)", and how many keys are above and below
 * what was expected, so a message says which way the numbers are wrong (effects applied twice
 * and effects lost move stock in opposite directions).
 */
export function describeMismatches(
  expected: ReadonlyMap<string, number>,
  actual: ReadonlyMap<string, number>,
  max = 3,
): { count: number; text: string; above: number; below: number; missing: number } {
  const diffs: string[] = [];
  let above = 0;
  let below = 0;
  let missing = 0;
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === want) continue;
    if (got === undefined) {
      missing += 1;
      diffs.push(`${key} expected ${want}, got missing`);
      continue;
    }
    if (got > want) above += 1;
    else below += 1;
    diffs.push(`${key} expected ${want}, got ${got} (${got > want ? '+' : ''}${got - want})`);
  }
  return { count: diffs.length, text: diffs.slice(0, max).join('; ') + (diffs.length > max ? `; … ${diffs.length - max} more` : ''), above, below, missing };
}
