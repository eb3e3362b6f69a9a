import Dockerode from 'dockerode';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerEngineAvailable } from '../src/infra/docker-infra.ts';
import { OWNER_PID_LABEL } from '../src/infra/docker/labels.ts';
import { freePort } from '../src/infra/ports.ts';
import { KAFKA_VERSION } from '../src/infra/versions.ts';
import { spawnGrader, type GraderProcess } from './helpers/grader-process.ts';
import { eventually, processesWithEnvMarker, sandboxedProcesses, sandboxLeftovers } from './helpers/processes.ts';
import { tempDir } from './helpers/temp-dirs.ts';

const started: GraderProcess[] = [];
afterAll(() => {
  for (const g of started) g.child.kill('SIGKILL');
});

function grader(args: string[], env?: NodeJS.ProcessEnv): GraderProcess {
  const g = spawnGrader(['infra', 'up', '--infra', 'local', ...args], env);
  started.push(g);
  return g;
}

/** Nothing the grader spawned survives (java, postgres and its backends, initdb, the reaper), and its temp dirs are gone. */
async function expectNothingLeft(g: GraderProcess): Promise<void> {
  const clean = await eventually(() => processesWithEnvMarker(g.marker).length === 0 && sandboxLeftovers(g.tmp).length === 0, 15_000);
  expect(clean ? [] : [...processesWithEnvMarker(g.marker).map((p) => p.cmd), ...sandboxLeftovers(g.tmp)]).toEqual([]);
  expect(readdirSync(g.tmp).filter((n) => n.startsWith('grader-'))).toEqual([]);
}

/** Replicas run sandboxed, as a uid of their own and without the test's marker: found by command line. */
const replicasRun = (): boolean => sandboxedProcesses().some((p) => p.cmd.includes('src/main.ts'));

// Each case kills `grader infra up` at a different point of its boot.
const killPoints: { name: string; when: RegExp; delayMs: number; signal: NodeJS.Signals }[] = [
  { name: 'SIGINT while resolving/formatting', when: /starting local infrastructure/, delayMs: 0, signal: 'SIGINT' },
  { name: 'SIGKILL during PostgreSQL initdb', when: /starting local infrastructure/, delayMs: 300, signal: 'SIGKILL' },
  { name: 'SIGTERM while Kafka boots', when: /PostgreSQL ready/, delayMs: 0, signal: 'SIGTERM' },
  { name: 'SIGKILL while Kafka boots', when: /PostgreSQL ready/, delayMs: 0, signal: 'SIGKILL' },
  { name: 'SIGINT once up (the normal way to end it)', when: /DATABASE_URL=/, delayMs: 0, signal: 'SIGINT' },
  { name: 'SIGKILL once up', when: /DATABASE_URL=/, delayMs: 0, signal: 'SIGKILL' },
];

describe('grader infra up leaves nothing behind', () => {
  it.each(killPoints)('$name', async ({ when, delayMs, signal }) => {
    const g = grader([]);
    await g.waitFor(when);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    // Something of ours runs at the kill point, so "nothing left" below is not vacuous.
    expect(processesWithEnvMarker(g.marker).length).toBeGreaterThan(0);
    g.child.kill(signal);
    const exit = await g.exited;
    if (signal === 'SIGKILL') expect(exit.signal).toBe('SIGKILL');
    else expect(exit.code).toBe(0);
    await expectNothingLeft(g);
  });

  it('SIGTERM while Maven resolves the Kafka jars (cold cache)', async () => {
    const cache = tempDir('grader-cold-cache-');
    const g = grader([], { GRADER_CACHE_DIR: cache });
    await g.waitFor(/Resolving Apache Kafka/);
    await new Promise((r) => setTimeout(r, 300));
    expect(processesWithEnvMarker(g.marker).some((p) => p.cmd.includes('maven') || p.cmd.includes('mvn'))).toBe(true);
    g.child.kill('SIGTERM');
    expect((await g.exited).code).toBe(0);
    await expectNothingLeft(g);
    // No half-filled cache: the next run resolves again instead of using broken jars.
    expect(readdirSync(join(cache, `kafka-${KAFKA_VERSION}`))).toEqual([]);
  });

  it('SIGKILL of `grader run` while target replicas run leaves nothing (reaper)', async () => {
    const g = spawnGrader(['run', '--target', 'reference-fix', '--infra', 'local', '--only', 'race.hot_sku_restocks_conserved']);
    started.push(g);
    // Replicas are up once their scenario has produced its messages.
    await eventually(replicasRun, 60_000);
    expect(replicasRun()).toBe(true);
    g.child.kill('SIGKILL');
    await g.exited;
    await expectNothingLeft(g);
  });

  it('SIGINT of `grader run` while target replicas run stops everything and exits 130', async () => {
    const g = spawnGrader(['run', '--target', 'reference-fix', '--infra', 'local', '--only', 'race.hot_sku_restocks_conserved']);
    started.push(g);
    await eventually(replicasRun, 60_000);
    g.child.kill('SIGINT');
    expect((await g.exited).code).toBe(130);
    await expectNothingLeft(g);
  });

  it('a readiness timeout is one clear line, exit 2, and nothing left', async () => {
    const g = grader(['--ready-timeout', '0.5']);
    const exit = await g.exited;
    expect(exit.code).toBe(2);
    const errors = g.stderr.split('\n').filter((l) => l.startsWith('error['));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error\[(KAFKA|POSTGRES)_NOT_READY\]: .* within 500 ms.*\(hint: /);
    await expectNothingLeft(g);
  });

  it('a Kafka port in use is named, exit 2, and nothing left', async () => {
    const port = await freePort();
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const g = grader(['--kafka-port', String(port)]);
      const exit = await g.exited;
      expect(exit.code).toBe(2);
      expect(g.stderr).toMatch(new RegExp(`error\\[PORT_IN_USE\\]: port 127\\.0\\.0\\.1:${port} for the Kafka broker`));
      await expectNothingLeft(g);
    } finally {
      server.close();
    }
  });

  it('missing Java is one clear line, exit 2, and nothing left', async () => {
    const g = grader([], { JAVA_HOME: '/nonexistent-jdk' });
    const exit = await g.exited;
    expect(exit.code).toBe(2);
    expect(g.stderr).toMatch(/error\[JAVA_NOT_FOUND\]: Java not found \(tried \/nonexistent-jdk\/bin\/java from JAVA_HOME\) \(hint: install a JDK/);
    await expectNothingLeft(g);
  });
});

// The same kill points against a real Docker engine (skipped where none answers): containers are
// found by the owner pid label the grader puts on each, volumes by count (nothing may be added).
const engine = await dockerEngineAvailable();

describe.skipIf(!engine)('grader infra up --infra docker leaves nothing behind', () => {
  const docker = new Dockerode();
  const containersOf = async (g: GraderProcess) =>
    (await docker.listContainers({ all: true, filters: { label: [`${OWNER_PID_LABEL}=${g.child.pid}`] } })).map((c) => c.Names[0] ?? c.Id);
  const volumeCount = async () => (await docker.listVolumes()).Volumes?.length ?? 0;
  const networkCount = async () => (await docker.listNetworks()).length;

  const dockerKillPoints: { name: string; when: RegExp; signal: NodeJS.Signals }[] = [
    { name: 'SIGKILL right after the first container is created', when: /created (kafka|postgres) container/, signal: 'SIGKILL' },
    { name: 'SIGTERM while Kafka boots', when: /postgres ready/, signal: 'SIGTERM' },
    { name: 'SIGINT once up', when: /DATABASE_URL=/, signal: 'SIGINT' },
    { name: 'SIGKILL once up (the reaper removes both within seconds)', when: /DATABASE_URL=/, signal: 'SIGKILL' },
  ];

  it.each(dockerKillPoints)('$name', async ({ when, signal }) => {
    const [volumes, networks] = [await volumeCount(), await networkCount()];
    const g = spawnGrader(['infra', 'up', '--infra', 'docker']);
    started.push(g);
    await g.waitFor(when, 600_000);
    expect((await containersOf(g)).length).toBeGreaterThan(0);
    g.child.kill(signal);
    const exit = await g.exited;
    if (signal === 'SIGKILL') expect(exit.signal).toBe('SIGKILL');
    else expect(exit.code).toBe(0);
    const killedAt = Date.now();
    const clean = await eventually(async () => (await containersOf(g)).length === 0, 15_000);
    expect(clean ? [] : await containersOf(g)).toEqual([]);
    // Within seconds, not at the next start's sweep.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect([await volumeCount(), await networkCount()]).toEqual([volumes, networks]);
    // The reaper itself ends once there is nothing left to watch.
    expect(await eventually(() => processesWithEnvMarker(g.marker).length === 0, 10_000)).toBe(true);
  });
});
