import { describeMismatches, ensure } from '../engine/check-failure.ts';

/**
 * Final stock must equal the model; one SKU reads like the seed's "Lost updates detected". The
 * message counts SKUs above and below the model: which way stock is off tells an effect applied
 * twice from one that was lost.
 */
export function expectStock(what: string, expected: ReadonlyMap<string, number>, actual: ReadonlyMap<string, number>): void {
  const { count, text, above, below, missing } = describeMismatches(expected, actual);
  ensure(count === 0, () => {
    if (expected.size === 1) {
      const [sku, want] = [...expected][0] ?? ['?', 0];
      const got = actual.get(sku);
      return `${what}: expected ${sku} = ${want}, got ${got ?? 'missing'}${got === undefined ? '' : ` (${Math.abs(got - want)} ${got > want ? 'above' : 'below'} expected)`}`;
    }
    const ways = [above > 0 ? `${above} above expected` : '', below > 0 ? `${below} below` : '', missing > 0 ? `${missing} missing` : ''].filter(Boolean).join(', ');
    return `${what}: ${count} of ${expected.size} SKUs wrong, ${ways} (${text})`;
  });
}

/**
 * One SKU's stock judged against the messages recorded as applied (each adding `perMessage`): a
 * shortfall is applied effects that were lost, an excess is effects applied more than once.
 * Messages with no outcome are not counted either way (completeness is judged by other checks).
 */
export function expectAppliedEffects(sku: string, seed: number, applied: number, perMessage: number, got: number | undefined): void {
  const want = seed + applied * perMessage;
  ensure(got === want, () => {
    const model = `${applied} message(s) recorded as applied make ${sku} = ${want}`;
    if (got === undefined) return `${model}, but ${sku} is missing`;
    const diff = Math.abs(got - want);
    return got < want
      ? `Lost updates detected: ${model}, got ${got}: ${diff} unit(s) of applied effects never took effect`
      : `Effects applied twice: ${model}, got ${got}: ${diff} unit(s) more than the applied messages account for`;
  });
}

/** Exactly one outcome row per id: names missing and duplicated ids. */
export function expectOneOutcomeEach(what: string, ids: readonly string[], counts: ReadonlyMap<string, number>): void {
  const missing = ids.filter((id) => !counts.has(id));
  const doubled = ids.filter((id) => (counts.get(id) ?? 0) > 1);
  ensure(missing.length === 0 && doubled.length === 0, () => {
    const parts: string[] = [];
    if (doubled.length) parts.push(`${doubled.length} message id(s) have 2+ outcome rows (e.g. ${doubled[0]} has ${counts.get(doubled[0] ?? '')})`);
    if (missing.length) parts.push(`${missing.length} have none (e.g. ${missing[0]})`);
    return `${what}: expected exactly one outcome for each of ${ids.length} messages; ${parts.join('; ')}`;
  });
}

/** Lowest sampled stock must be >= 0 for every SKU. */
export function expectNeverNegative(what: string, minStock: ReadonlyMap<string, number>, samples: number): void {
  const negative = [...minStock].filter(([, v]) => v < 0).sort((a, b) => a[1] - b[1]);
  ensure(samples > 0, () => `${what}: no stock sample could be taken`);
  ensure(negative.length === 0, () => `Stock went negative: ${negative[0]?.[0]} reached ${negative[0]?.[1]} (${negative.length} SKU(s) below zero, ${samples} samples)`);
}

/**
 * An invariant judged on a workload the target did not finish would pass vacuously (an idle
 * target never oversells): such checks first require every message to have an outcome.
 */
export function expectComplete(missing: number, total: number): void {
  ensure(missing === 0, () => `only ${total - missing} of ${total} messages were processed, so the invariant cannot hold for the workload`);
}
