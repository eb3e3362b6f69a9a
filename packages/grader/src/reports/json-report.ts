import type { InfraKind } from '../infra/infra.ts';
import { inconclusiveChecks, passRates } from '../scoring/score.ts';
import type { Category, CheckStatus } from '../scoring/types.ts';
import { repeatCount, TOOL_NAME, type ReportData } from './report-data.ts';

/**
 * The `--json` report: everything about one `grader run`. Versioned: fields may be added within
 * a schema version; renaming, removing or changing the meaning of one bumps `schemaVersion`.
 */
export interface JsonReport {
  /** Version of this shape. */
  readonly schemaVersion: 1;
  /** Always `inventory-grader`. */
  readonly tool: string;
  /** Version of the grader that produced the report. */
  readonly graderVersion: string;
  /** The `--target` as given: a named target or a path. */
  readonly target: string;
  /** The `--seed` every fault and workload was derived from; the same seed replays the same run. */
  readonly seed: number;
  /** Which provider supplied Kafka and PostgreSQL: `local`, `docker` or `external`. */
  readonly infraKind: InfraKind;
  /** Whether the target ran in the sandbox, and what contained it (added within schema version 1). */
  readonly containment: { readonly sandboxed: boolean; readonly description: string };
  /** Start of the run, ISO 8601 UTC. */
  readonly startedAt: string;
  /** Wall time of the whole run including infrastructure boot, milliseconds. */
  readonly durationMs: number;
  /** Number of repeats (`--repeat`) the results cover. */
  readonly repeats: number;
  /** The weighted score and its per-category breakdown. */
  readonly score: JsonScore;
  /** Per check id that ran at least once: how many of its runs passed. Skipped runs are not counted. */
  readonly passRates: Readonly<Record<string, JsonPassRate>>;
  /** Checks without a verdict in some run (status `inconclusive`): present only then, and the run is then no verdict on the target (exit 2, MACHINE_STARVED). */
  readonly inconclusive?: readonly string[];
  /** Every check's verdict in every repeat, in execution order, skipped ones included. */
  readonly results: readonly JsonCheckResult[];
  /**
   * Grades of the target that an infrastructure failure ended before these results, each with
   * what broke and where its logs are; absent when the first grade counted (added within schema
   * version 1). Two of them mean the failure happened again on fresh servers and became the verdict.
   */
  readonly infraAttempts?: readonly { readonly infraFailure: string; readonly runDir: string }[];
}

/** The weighted score of the run. */
export interface JsonScore {
  /** 0..1: Σ weight × pass rate over the checks that ran, renormalised over their weights. */
  readonly score: number;
  /** One entry per category, in the fixed category order. */
  readonly categories: readonly JsonCategoryScore[];
}

/** One category's share of the score. */
export interface JsonCategoryScore {
  /** Category key, e.g. `race_conditions`. */
  readonly category: Category;
  /** The category's (renormalised) weight: the most it can add to the score; 0 if none of its checks ran. */
  readonly weight: number;
  /** What it added to the score (0..weight). */
  readonly earned: number;
  /** Check runs in this category that passed. */
  readonly passed: number;
  /** Check runs in this category that ran (skipped ones excluded). */
  readonly total: number;
}

/** A check's pass rate over the repeats. */
export interface JsonPassRate {
  /** Runs in which the check passed. */
  readonly passed: number;
  /** Runs in which the check ran. */
  readonly runs: number;
  /** passed / runs. */
  readonly rate: number;
}

/** One check's verdict in one run. */
export interface JsonCheckResult {
  /** Stable check id, e.g. `race.hot_sku_restocks_conserved`. */
  readonly id: string;
  /** The check's category. */
  readonly category: Category;
  /** One line saying what the check catches. */
  readonly description: string;
  /** The scenario whose run of the system fed this check. */
  readonly scenario: string;
  /** `passed`, `failed`, `skipped` (filtered out by `--only`/`--category`), or `inconclusive` (no verdict: the machine was overloaded when it would have failed). */
  readonly status: CheckStatus;
  /** What the check saw, in numbers; present on failures, optional otherwise. */
  readonly message?: string;
  /** Time spent judging this check, milliseconds. */
  readonly durationMs: number;
  /** 0-based index of the repeat. */
  readonly run: number;
}

/** Builds the JSON report of a run. */
export function buildJsonReport(data: ReportData): JsonReport {
  const rates: Record<string, JsonPassRate> = {};
  for (const [id, { passed, runs }] of passRates(data.results)) rates[id] = { passed, runs, rate: passed / runs };
  return {
    schemaVersion: 1,
    tool: TOOL_NAME,
    graderVersion: data.graderVersion,
    target: data.target,
    seed: data.seed,
    infraKind: data.infraKind,
    containment: { sandboxed: data.containment.sandboxed, description: data.containment.description },
    startedAt: data.startedAt.toISOString(),
    durationMs: data.durationMs,
    repeats: repeatCount(data.results),
    score: {
      score: data.score.score,
      categories: data.score.categories.map(({ category, weight, earned, passed, total }) => ({ category, weight, earned, passed, total })),
    },
    passRates: rates,
    ...(inconclusiveChecks(data.results).length > 0 ? { inconclusive: inconclusiveChecks(data.results) } : {}),
    ...(data.infraAttempts && data.infraAttempts.length > 0 ? { infraAttempts: data.infraAttempts.map(({ infraFailure, runDir }) => ({ infraFailure, runDir })) } : {}),
    results: data.results.map((r) => ({
      id: r.id,
      category: r.category,
      description: r.description,
      scenario: r.scenario,
      status: r.status,
      ...(r.message === undefined ? {} : { message: r.message }),
      durationMs: r.durationMs,
      run: r.run,
    })),
  };
}

/** The JSON report, pretty-printed with a final newline. */
export function renderJsonReport(data: ReportData): string {
  return `${JSON.stringify(buildJsonReport(data), null, 2)}\n`;
}
