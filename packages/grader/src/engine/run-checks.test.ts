import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestSpecification, Vitest } from 'vitest/node';
import { describe, expect, it } from 'vitest';
import { NAMESPACES_AT_ONCE, SERVER_MAX_CONNECTIONS, TARGET_CONNECTION_LIMIT } from '../infra/namespace.ts';
import throughput from '../checks/locking/throughput.check.ts';
import { EXCLUSIVE_SCENARIO, EXCLUSIVE_WAIT_MS, LONGEST_FIRST, LongestFirst, SCENARIOS_AT_ONCE } from './run-checks.ts';
import { scenarioHookTimeoutMs } from './scenario.ts';

const CHECKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../checks');

function scenarioFiles(): string[] {
  return readdirSync(CHECKS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.check.ts'))
    .map((f) => join(CHECKS_DIR, f));
}

describe('scenario order', () => {
  it('names every scenario file once, so a new one is not left to start last by accident', () => {
    const names = scenarioFiles().map((f) => f.slice(f.lastIndexOf('/') + 1, -'.check.ts'.length));
    expect([...names].sort()).toEqual([...LONGEST_FIRST].sort());
  });

  it('sorts scenario files longest first, whatever order vitest found them in', async () => {
    const specs = scenarioFiles()
      .reverse()
      .map((moduleId) => ({ moduleId }) as TestSpecification);
    const sorted = await new LongestFirst({} as Vitest).sort(specs);
    expect(sorted.map((s) => s.moduleId.slice(s.moduleId.lastIndexOf('/') + 1))).toEqual(LONGEST_FIRST.map((n) => `${n}.check.ts`));
  });
});

describe('server capacity', () => {
  it('every scenario running at once may hold its namespace\'s connections, with room left for the grader', () => {
    expect(SCENARIOS_AT_ONCE).toBeLessThan(NAMESPACES_AT_ONCE);
    expect(SERVER_MAX_CONNECTIONS).toBeGreaterThanOrEqual(SCENARIOS_AT_ONCE * TARGET_CONNECTION_LIMIT + 100);
  });
});

describe('exclusive turn', () => {
  it('names each scenario alike in its definition and its System, so its markers match', () => {
    for (const file of scenarioFiles()) {
      const source = readFileSync(file, 'utf8');
      const id = /\bid: '([a-z_]+)'/.exec(source)?.[1];
      expect(id, file).toBeDefined();
      expect(source, file).toContain(`System.create(ctx, { scenario: '${id}'`);
    }
  });

  it('keeps neighbours waiting longer than the exclusive scenario may run', () => {
    expect(throughput.id).toBe(EXCLUSIVE_SCENARIO);
    expect(EXCLUSIVE_WAIT_MS).toBeGreaterThan(scenarioHookTimeoutMs(throughput.budgetMs));
  });
});
