import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { Lifecycle } from '../cli/lifecycle.ts';
import type { Output } from '../cli/output.ts';
import { GraderError } from '../errors/grader-error.ts';
import type { Infra, StartedInfra } from '../infra/infra.ts';
import { DEFAULT_LIMITS } from '../sandbox/sandbox.ts';
import { runBatch, type BatchPlan } from './batch-run.ts';
import type { GradingSettings } from './content-key.ts';
import { ResultStore } from './result-store.ts';
import { loadSubmissions } from './submission.ts';

const quiet: Output = { info: () => {}, warn: () => {}, progress: () => {}, data: () => {}, error: () => {} };

/** Servers that answered at boot and are found dead before the first submission, beyond repair. */
function brokenInfra(): Infra & { stopped: boolean } {
  const state = { stopped: false };
  const started: StartedInfra = {
    kind: 'external',
    sessionId: 'test',
    endpoints: { kafkaBrokers: ['127.0.0.1:1'], databaseUrl: 'postgres://x@127.0.0.1:1/x' },
    bootTimes: { kafkaMs: 0, postgresMs: 0 },
    health: () => Promise.resolve(['Kafka: not answering']),
    recover: () => Promise.reject(new GraderError('INFRA_FAILED', 'the external Kafka is not answering and cannot be restarted', 'restart it')),
    stop: () => {
      state.stopped = true;
      return Promise.resolve();
    },
    [Symbol.asyncDispose]: () => Promise.resolve(),
  } as unknown as StartedInfra;
  return Object.assign(state, { kind: 'external' as const, start: () => Promise.resolve(started) });
}

const SETTINGS: GradingSettings = { graderVersion: 't', graderBuild: 't', seed: 1, repeat: 1, weights: 'w', checks: ['race.sequential_final_stock'], containment: 'not sandboxed', budgetSeconds: 60 };

describe('runBatch', () => {
  it('stops on an infrastructure failure, names every submission left ungraded, and records none of them', async () => {
    const root = tempDir('grader-batch-run-');
    for (const model of ['a', 'b', 'c']) {
      mkdirSync(join(root, 'subs', model, '1'), { recursive: true });
      writeFileSync(join(root, 'subs', model, '1', 'target.json'), '{"start": ["true"]}');
    }
    const store = ResultStore.openForGrading(join(root, 'out'), SETTINGS);
    const plan: BatchPlan = {
      submissions: loadSubmissions([join(root, 'subs')]),
      store,
      settings: SETTINGS,
      weights: new Map([['race.sequential_final_stock', 1]]),
      selected: SETTINGS.checks,
      sandbox: false,
      limits: DEFAULT_LIMITS,
      buildTimeoutMs: 10_000,
      budgetMs: 60_000,
      resume: true,
    };
    const infra = brokenInfra();
    const lifecycle = new Lifecycle(quiet);
    const failure = await runBatch(plan, infra, lifecycle, quiet).catch((error: unknown) => error);
    await lifecycle.close();
    expect(failure).toBeInstanceOf(GraderError);
    expect((failure as GraderError).code).toBe('INFRA_FAILED');
    expect((failure as GraderError).exitCode).toBe(2);
    expect((failure as GraderError).message).toMatch(/the batch stopped with 3 submission\(s\) ungraded \(a\/1, b\/1, c\/1\), none of them scored/);
    expect((failure as GraderError).hint).toMatch(/then rerun the same command: it grades only those/);
    expect(store.results()).toEqual([]);
    for (const model of ['a', 'b', 'c']) expect(existsSync(join(store.folderOf({ model, attempt: 1 }), 'result.json'))).toBe(false);
    expect(infra.stopped).toBe(true);
  });
});
