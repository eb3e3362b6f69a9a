/**
 * The unbiased pass@k estimator of HumanEval (openai/human-eval, `estimate_pass_at_k`): the
 * chance that at least one of k attempts drawn without replacement from n, c of them correct,
 * is correct: 1 - C(n-c, k) / C(n, k), computed as a product to stay exact for large n.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k)) || n < 1 || c < 0 || c > n || k < 1 || k > n) {
    throw new RangeError(`pass@k needs integers 0 <= c <= n and 1 <= k <= n, got n=${n} c=${c} k=${k}`);
  }
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/** The k a leaderboard reports for up to `maxAttempts` attempts: 1, 2, 4, 8 ... plus 5 and 10 (as Terminal-Bench). */
export function reportedKs(maxAttempts: number): number[] {
  const ks = new Set<number>();
  for (let k = 1; k <= maxAttempts; k *= 2) ks.add(k);
  for (const k of [5, 10]) if (k <= maxAttempts) ks.add(k);
  return [...ks].sort((a, b) => a - b);
}
