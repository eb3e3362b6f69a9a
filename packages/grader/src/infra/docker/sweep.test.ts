import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FakeDocker } from './fake-docker.ts';
import { COMPONENT_LABEL, containerName, currentOwner, graderLabels, OWNER_HOST_LABEL, OWNER_PID_LABEL, SESSION_LABEL } from './labels.ts';
import { isPidAlive, selectLeftovers, sweepLeftovers, type ListedContainer } from './sweep.ts';

const HOST = 'this-host';
const alive = new Set([100, 200]);
const criteria = { host: HOST, isAlive: (pid: number) => alive.has(pid) };

function listed(id: string, labels: Record<string, string>): ListedContainer {
  return { Id: id, Names: [`/${id}`], Labels: labels };
}

describe('graderLabels / containerName', () => {
  it('labels session, owner pid, owner host and component', () => {
    expect(graderLabels({ sessionId: 's1', pid: 42, host: 'h' }, 'kafka')).toEqual({
      [SESSION_LABEL]: 's1',
      [OWNER_PID_LABEL]: '42',
      [OWNER_HOST_LABEL]: 'h',
      [COMPONENT_LABEL]: 'kafka',
    });
    expect(SESSION_LABEL).toBe('dev.inventory-grader.session');
    expect(OWNER_PID_LABEL).toBe('dev.inventory-grader.owner-pid');
    expect(COMPONENT_LABEL).toBe('dev.inventory-grader.component');
  });

  it('owns containers as this process', () => {
    expect(currentOwner('s').pid).toBe(process.pid);
  });

  it('names containers after the session, replacing characters Docker rejects', () => {
    expect(containerName('docker-abc.1_x', 'postgres')).toBe('inventory-grader-docker-abc.1_x-postgres');
    expect(containerName('a/b c', 'kafka')).toBe('inventory-grader-a-b-c-kafka');
  });
});

describe('selectLeftovers', () => {
  it('selects containers whose owner pid is gone on this host', () => {
    const containers = [
      listed('dead', { [SESSION_LABEL]: 's1', [OWNER_PID_LABEL]: '300', [OWNER_HOST_LABEL]: HOST }),
      listed('dead-no-host-label', { [SESSION_LABEL]: 's2', [OWNER_PID_LABEL]: '301' }),
      listed('live', { [SESSION_LABEL]: 's3', [OWNER_PID_LABEL]: '100', [OWNER_HOST_LABEL]: HOST }),
      listed('other-host', { [SESSION_LABEL]: 's4', [OWNER_PID_LABEL]: '300', [OWNER_HOST_LABEL]: 'ci-runner-7' }),
      listed('no-session', { [OWNER_PID_LABEL]: '300' }),
      listed('no-pid', { [SESSION_LABEL]: 's5' }),
      listed('bad-pid', { [SESSION_LABEL]: 's6', [OWNER_PID_LABEL]: '-1' }),
      listed('zero-pid', { [SESSION_LABEL]: 's7', [OWNER_PID_LABEL]: '0' }),
      listed('text-pid', { [SESSION_LABEL]: 's8', [OWNER_PID_LABEL]: '12abc' }),
      { Id: 'unlabelled' },
    ];
    expect(selectLeftovers(containers, criteria).map((c) => c.Id)).toEqual(['dead', 'dead-no-host-label']);
  });
});

describe('isPidAlive', () => {
  it('is true for this process and false for one that has exited', () => {
    expect(isPidAlive(process.pid)).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', '']).pid;
    expect(isPidAlive(exited)).toBe(false);
  });
});

describe('sweepLeftovers (FakeDocker, not a Docker engine)', () => {
  it('removes only the leftovers, and warns once', async () => {
    const fake = new FakeDocker();
    fake.foreign.push(
      { Id: 'dead', Names: ['/dead'], Labels: { [SESSION_LABEL]: 's1', [OWNER_PID_LABEL]: '300', [OWNER_HOST_LABEL]: HOST } },
      { Id: 'live', Names: ['/live'], Labels: { [SESSION_LABEL]: 's2', [OWNER_PID_LABEL]: '100', [OWNER_HOST_LABEL]: HOST } },
      { Id: 'unrelated', Names: ['/db'], Labels: { 'com.example': 'x' } },
    );
    const warnings: string[] = [];
    const logger = { info() {}, progress() {}, warn: (m: string) => warnings.push(m) };
    expect(await sweepLeftovers(fake.asDockerode(), logger, criteria)).toEqual(['dead']);
    expect(fake.removedIds).toEqual(['dead']);
    expect(warnings).toEqual(['removed 1 container(s) left by a grader that did not exit cleanly']);
  });

  it('only warns when the engine cannot list or remove', async () => {
    const fake = new FakeDocker();
    const docker = fake.asDockerode();
    docker.listContainers = () => Promise.reject(new Error('boom'));
    const warnings: string[] = [];
    const logger = { info() {}, progress() {}, warn: (m: string) => warnings.push(m) };
    expect(await sweepLeftovers(docker, logger, criteria)).toEqual([]);
    expect(warnings).toEqual(['could not list leftover grader containers: boom']);
  });
});
