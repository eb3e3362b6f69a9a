import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../src/paths.ts';
import { exportTask } from '../../src/task/export-task.ts';
import { applyEdits, loadSuite, REFERENCE_DIR } from '../../src/validation/suite.ts';

/** Where the fixture batch lives: `grader batch --submissions examples/submissions` grades it. */
export const FIXTURE_SUBMISSIONS = join(REPO_ROOT, 'examples/submissions');

/** The mutants the fixture carries as diffs, and a check of their category that catches each. */
export const FIXTURE_MUTANTS = [
  { id: 'mutant-04-no-stock-guard', caughtBy: 'atomic.sequential_outcomes' },
  { id: 'mutant-05-read-modify-write', caughtBy: 'race.hot_sku_restocks_conserved' },
  { id: 'mutant-15-racy-dedup', caughtBy: 'idempotency.duplicate_orders_applied_once' },
] as const;

const isTest = (file: string): boolean => file.endsWith('.test.ts');

/** The reference fix's service sources (tests left as exported), with a mutant's edits if given. */
function referenceSources(mutant?: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(join(REFERENCE_DIR, 'src'))) if (!isTest(file)) files.set(`src/${file}`, readFileSync(join(REFERENCE_DIR, 'src', file), 'utf8'));
  if (mutant) {
    const variant = loadSuite().variants.get(mutant);
    if (!variant) throw new Error(`no variant ${mutant}`);
    for (const [file, content] of applyEdits(variant)) files.set(file, content);
  }
  return files;
}

/** Writes `sources` over the exported service/src (non-test files replaced, stale ones removed). */
function writeSources(service: string, sources: ReadonlyMap<string, string>): void {
  for (const file of readdirSync(join(service, 'src'))) if (!isTest(file)) rmSync(join(service, 'src', file));
  for (const [file, content] of sources) writeFileSync(join(service, file), content);
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = { GIT_AUTHOR_NAME: 'fixture', GIT_AUTHOR_EMAIL: 'fixture@example.invalid', GIT_COMMITTER_NAME: 'fixture', GIT_COMMITTER_EMAIL: 'fixture@example.invalid', GIT_CONFIG_GLOBAL: '/dev/null' };
  return (await execa('git', args, { cwd, env })).stdout;
}

/** `git diff` of the exported task after `change`, as a model would hand it in. */
async function diffOf(task: string, change: (service: string) => void): Promise<string> {
  const work = join(tmpdir(), `grader-fixture-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    cpSync(task, work, { recursive: true });
    await git(work, 'init', '-q');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', 'exported task');
    change(join(work, 'service'));
    await git(work, 'add', '-A');
    return `${await git(work, 'diff', '--cached', '--no-color', '--no-ext-diff')}\n`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The fixture batch, written into `out`: eight submissions of five kinds, as `grader batch` reads
 * them. A predictions file with the reference fix as a diff, three mutants as three attempts of
 * one model, a diff made against another version of the task (does not apply), an empty patch
 * (the task unchanged); a directory holding the reference as a standalone service; a directory
 * whose service never becomes ready.
 */
export async function writeFixtureSubmissions(out: string): Promise<void> {
  const task = join(tmpdir(), `grader-fixture-task-${process.pid}`);
  rmSync(task, { recursive: true, force: true });
  try {
    await exportTask({ out: task, hints: true });
    const prediction = (model: string, patch: string, attempt?: number): string =>
      JSON.stringify({ instance_id: 'inventory-service', model_name_or_path: model, model_patch: patch, ...(attempt === undefined ? {} : { attempt }) });
    const lines = [prediction('reference-as-diff', await diffOf(task, (service) => writeSources(service, referenceSources())))];
    for (const [i, mutant] of FIXTURE_MUTANTS.entries()) lines.push(prediction('mutants', await diffOf(task, (service) => writeSources(service, referenceSources(mutant.id))), i + 1));
    const stale = (await diffOf(task, (service) => writeSources(service, referenceSources()))).replace(/^-(?!--)(.*)$/m, '-$1 // as it was in an older version of the task');
    lines.push(prediction('stale-diff', stale));
    lines.push(prediction('no-change', ''));
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'predictions.jsonl'), `${lines.join('\n')}\n`);

    const dir = join(out, 'reference-as-directory', '1');
    cpSync(join(task, 'service'), dir, { recursive: true });
    writeSources(dir, referenceSources());
    const never = join(out, 'never-ready', '1');
    mkdirSync(never, { recursive: true });
    writeFileSync(join(never, 'target.json'), `${JSON.stringify({ start: ['node', 'main.mjs'] }, null, 2)}\n`);
    writeFileSync(join(never, 'main.mjs'), "// Starts, never joins the consumer group, never exits: the grader's readiness wait must end it.\nconsole.log('starting up ...');\nsetInterval(() => {}, 60_000);\n");
    writeFileSync(join(out, 'README.md'), README);
  } finally {
    rmSync(task, { recursive: true, force: true });
  }
}

const README = `# A fixture batch

Eight submissions for \`grader batch\`, generated by \`packages/grader/test/helpers/submission-fixtures.ts\`
from the exported task, the reference fix and the validation mutants (a unit test fails when they are out
of date; \`UPDATE_FIXTURES=1 pnpm vitest run --project unit submission-fixtures\` rewrites them).

| submission | what | expected |
| --- | --- | --- |
| \`reference-as-diff/1\` | the reference fix as a diff of the exported task (predictions.jsonl) | score 1.000 |
| \`mutants/1\` | the reference with mutant-04 (no stock guard) put back, as a diff | caught in atomic_operations |
| \`mutants/2\` | ... mutant-05 (read-modify-write) | caught in race_conditions |
| \`mutants/3\` | ... mutant-15 (racy dedup) | caught in idempotency |
| \`stale-diff/1\` | a diff made against another version of the task | not applied, score 0 |
| \`no-change/1\` | an empty patch: the task as exported | the buggy service's score |
| \`reference-as-directory/1\` | the reference fix as a standalone service directory | score 1.000 |
| \`never-ready/1\` | a service that starts and never joins the consumer group | score 0 |

    pnpm grader batch --submissions examples/submissions --out results/
    pnpm grader leaderboard results/ --format html --output leaderboard.html
`;
