/** The seven categories of the datapoint, with the seed's weights. */
export const CATEGORY_WEIGHTS = {
  race_conditions: 0.45,
  idempotency: 0.2,
  isolation: 0.1,
  locking: 0.05,
  atomic_operations: 0.05,
  consumer_offsets: 0.05,
  load_stress: 0.1,
} as const;

export type Category = keyof typeof CATEGORY_WEIGHTS;

export const CATEGORIES = Object.keys(CATEGORY_WEIGHTS) as Category[];

/** A check as the catalog declares it: stable id, category, one line saying what it catches. */
export interface CheckDefinition {
  /** Stable, dotted, e.g. `race.hot_sku_restocks_conserved`. Never renamed once published. */
  readonly id: string;
  readonly category: Category;
  readonly description: string;
  /** The scenario whose single run of the system feeds this check. */
  readonly scenario: string;
}

/** "inconclusive": no verdict, the machine was overloaded when it would have failed (engine/check-failure.ts). */
export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'inconclusive';

/** One check's verdict in one run. */
export interface CheckResult extends CheckDefinition {
  readonly status: CheckStatus;
  /** Why it failed, in numbers, e.g. "Lost updates detected: expected 126, got 98". */
  readonly message?: string;
  readonly durationMs: number;
  /** 0-based index of the repeat this result belongs to. */
  readonly run: number;
}

/** Validated weights: check id → weight; sums to 1. */
export type Weights = ReadonlyMap<string, number>;

export interface CategoryScore {
  readonly category: Category;
  readonly weight: number;
  /** Weighted points earned in this category (0..weight), averaged over repeats. */
  readonly earned: number;
  readonly passed: number;
  readonly total: number;
}

export interface Score {
  /** 0..1, Σ weight(check) × pass rate(check). */
  readonly score: number;
  readonly categories: readonly CategoryScore[];
}
