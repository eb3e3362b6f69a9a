import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { GraderError } from '../errors/grader-error.ts';
import type { GradingSettings } from './content-key.ts';
import { ResultStore, settingsDifference, type SubmissionResult } from './result-store.ts';

/** What merge did. */
export interface MergeOutcome {
  readonly inputs: number;
  readonly copied: number;
  /** Results already in --out with the same key. */
  readonly unchanged: number;
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * Combines the output folders of several shards (or batches) into `out`. They must have been
 * graded with the same settings (grader version and build, seed, weights, checks, containment);
 * a submission found in two of them with different content is refused. Nothing is written
 * before every input has been checked.
 */
export function mergeBatches(inputs: readonly string[], out: string): MergeOutcome {
  if (inputs.length === 0) throw new GraderError('USAGE', 'grader merge needs at least one batch folder', 'e.g. grader merge shard-1 shard-2 --out all');
  const stores = inputs.map((dir) => {
    if (samePath(dir, out)) throw new GraderError('USAGE', `--out ${out} is also one of the folders to merge`, 'merge into a new folder');
    return ResultStore.openForReading(resolve(dir));
  });
  const { settings, results } = collectResults(stores);
  const target = ResultStore.openForGrading(resolve(out), settings);
  let copied = 0;
  let unchanged = 0;
  for (const { folder, result } of results) {
    const { id, model, attempt } = result.submission;
    if (target.doneFor({ id, model, attempt }, result.key)) {
      unchanged += 1;
      continue;
    }
    target.adopt({ model, attempt }, folder);
    copied += 1;
  }
  target.writeSummary();
  return { inputs: stores.length, copied, unchanged };
}

/**
 * The results of several batch folders as one set: the folders must share their settings, and a
 * submission found in two of them must have the same key (the same content). One per id.
 */
export function collectResults(stores: readonly ResultStore[]): { settings: GradingSettings; results: { folder: string; result: SubmissionResult }[] } {
  const first = stores[0];
  if (!first) throw new GraderError('USAGE', 'no batch folder given', 'e.g. grader leaderboard results/');
  for (const store of stores.slice(1)) {
    const difference = settingsDifference(first.manifest.settings, store.manifest.settings);
    if (difference) throw new GraderError('BATCH_MISMATCH', `${store.dir} was graded with other settings than ${first.dir} (${difference})`, 'use only shards of one batch: same grader, seed, weights and options');
  }
  const chosen = new Map<string, { folder: string; result: SubmissionResult; dir: string }>();
  for (const store of stores) {
    for (const { folder, result } of store.scan()) {
      const other = chosen.get(result.submission.id);
      if (other && other.result.key !== result.key) {
        throw new GraderError('BATCH_MISMATCH', `submission ${result.submission.id} has different content in ${other.dir} and ${store.dir}`, 'the shards were given different submissions; grade them again from one set');
      }
      if (!other) chosen.set(result.submission.id, { folder, result, dir: store.dir });
    }
  }
  return { settings: first.manifest.settings, results: [...chosen.values()] };
}
