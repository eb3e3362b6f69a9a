import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/checks/catalog.ts';
import { tidyServers } from '../src/engine/grade-submission.ts';
import { gradeTarget } from '../src/engine/grade-target.ts';
import { silentLogger } from '../src/infra/infra.ts';
import { describeLeftovers, removeLeftovers } from '../src/infra/leftovers.ts';
import { REPO_ROOT } from '../src/paths.ts';
import { computeScore } from '../src/scoring/score.ts';
import { loadWeights } from '../src/scoring/weights.ts';
import { resolveTarget } from '../src/target/target-spec.ts';
import { eventually, sandboxLeftovers } from './helpers/processes.ts';
import { localInfraForSuite } from './helpers/suite-infra.ts';
import { tempDir } from './helpers/temp-dirs.ts';

const HOSTILE = join(REPO_ROOT, 'packages/grader/test/hostile');
const weights = loadWeights(join(REPO_ROOT, 'weights.json'), CATALOG);
// The oversell scenario: three replicas, a few seconds for a correct target.
const ONLY = CATALOG.filter((c) => c.scenario === 'oversell').map((c) => c.id);

interface Graded {
  readonly score: number;
  readonly messages: string[];
}

describe('hostile targets (real sandbox, Kafka and PostgreSQL)', () => {
  const servers = localInfraForSuite();

  /** Grades on the oversell scenario; a GraderError here is what `grader run` turns into exit 2. */
  async function grade(dir: string, sandbox = true): Promise<Graded> {
    const infra = servers();
    const { results } = await gradeTarget({
      target: resolveTarget(dir),
      selected: ONLY,
      seed: 1,
      repeat: 1,
      runDir: tempDir('grader-hostile-run-'),
      infra,
      sandbox,
      buildTimeoutMs: 10_000,
    });
    const ran = results.filter((r) => r.status !== 'skipped');
    return { score: computeScore(ran, weights).score, messages: ran.filter((r) => r.status === 'failed').map((r) => r.message ?? '') };
  }

  /** The reference fix, graded right after, on the same servers. */
  async function referenceStillScoresOne(): Promise<void> {
    const reference = await grade('reference-fix');
    expect(reference.messages).toEqual([]);
    expect(reference.score).toBe(1);
  }

  const cases: { fixture: string; reason: RegExp; sandbox?: boolean }[] = [
    { fixture: 'read-grader-files', reason: /read-grader-files got 0 of \d+ \(all blocked\)/ },
    { fixture: 'database-escape', reason: /database-escape got 0 of \d+ \(all blocked\)/ },
    { fixture: 'kill-everything', reason: /kill-everything sent SIGKILL to every process it could see/ },
    { fixture: 'broker-killer', reason: /broker-killer killed 0 server process\(es\) \(none visible\)/ },
    { fixture: 'fork-bomb', reason: /process limit of 512 reached: \d+ fork\(s\) refused/ },
    { fixture: 'memory-hog', reason: /exited with SIGKILL \(memory limit of 2048 MiB reached: the kernel killed \d+ process\(es\)\)/ },
    { fixture: 'disk-filler', reason: /disk limit of 1024 MiB reached.*disk-filler wrote \d+ MiB before ENOSPC/ },
    { fixture: 'sigterm-immune', reason: /target not ready after 30 s/ },
    { fixture: 'stdout-flood', reason: /flooded its output \(over 20 MB\) and was killed/ },
    { fixture: 'build-never-exits', reason: /build exceeded its time budget of 10 s and was killed/ },
    { fixture: 'network-escape', reason: /reached only the run's servers \(all else blocked\)/ },
    { fixture: 'topic-flood', reason: /target not ready after 30 s/ },
    { fixture: 'produce-flood', reason: /produce-flood wrote [\d.]+ MiB in [\d.]+ s \((0|1)\.\d+ MiB\/s\) with 4 client ids/ },
    { fixture: 'database-grower', reason: /the target's database grew to \d+ MB, past its cap of 256 MB: its replicas were killed and the database dropped/ },
    { fixture: 'cluster-meddler', reason: /cluster-meddler got 0 of 5 \(all blocked\)/ },
    { fixture: 'connection-hog', reason: /the grader's database proxy refused \d+ connection\(s\): the target held 100 open at once, the most it may/ },
    // Uncontained, it kills both servers: scored as its failure, both restarted for the next one.
    {
      fixture: 'broker-killer',
      sandbox: false,
      reason: /^the shared infrastructure broke while the target ran \(Kafka: the broker process was killed by SIGKILL; PostgreSQL: the postmaster \(pid \d+\) is gone\): /,
    },
  ];

  for (const { fixture, reason, sandbox = true } of cases) {
    it(`${fixture}${sandbox ? '' : ' (--no-sandbox)'}: scored low with its reason, nothing left, the next target graded normally`, async () => {
      const { score, messages } = await grade(join(HOSTILE, fixture), sandbox);
      expect(score).toBeLessThanOrEqual(0.25);
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) {
        expect(message).toMatch(reason);
        expect(message).not.toMatch(/LEAKED/);
      }
      expect(await eventually(() => sandboxLeftovers().length === 0, 10_000), sandboxLeftovers().join(', ')).toBe(true);
      // What it left on the servers goes, as between two submissions of a batch; then nothing is left.
      await tidyServers(servers(), silentLogger);
      expect(describeLeftovers(await removeLeftovers(servers().endpoints))).toBeUndefined();
      // A server the target broke is restarted before the next target starts.
      await referenceStillScoresOne();
      expect(await servers().health()).toEqual([]);
    }, 240_000);
  }

  it('the file probe does find the grader when nothing contains it (so its "all blocked" means something)', async () => {
    const { messages } = await grade(join(HOSTILE, 'read-grader-files'), false);
    expect(messages[0]).toMatch(/leaked .*weights\.json/);
  }, 240_000);
});
