import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { MAP_RACE } from '../../test/helpers/race-reports.ts';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import type { Session } from '../infra/session/session-registry.ts';
import { DirectLauncher } from './launcher.ts';
import { endpointPorts, ReplicaSet } from './replica-set.ts';

const env = (KAFKA_BROKERS: string, DATABASE_URL: string) => ({ KAFKA_BROKERS, DATABASE_URL, KAFKA_TOPIC: 't', KAFKA_GROUP_ID: 'g', KAFKA_SESSION_TIMEOUT_MS: '6000' });

describe('endpointPorts', () => {
  it('lists the loopback ports of every broker and of the database (or its proxy)', () => {
    expect(endpointPorts(env('127.0.0.1:29092,localhost:29094', 'postgres://r:p@127.0.0.1:40001/db'))).toEqual([29092, 29094, 40001]);
  });

  it('uses the default ports when none is given', () => {
    expect(endpointPorts(env('localhost', 'postgres://r:p@localhost/db'))).toEqual([9092, 5432]);
  });

  it('is undefined when a server is on another host: replicas then need the network', () => {
    expect(endpointPorts(env('kafka.ci:9092', 'postgres://r:p@127.0.0.1:5432/db'))).toBeUndefined();
    expect(endpointPorts(env('127.0.0.1:9092', 'postgres://r:p@db.ci:5432/db'))).toBeUndefined();
  });
});

describe('ReplicaSet.crashes and Replica.stop with a race report (DirectLauncher, a shell replica)', () => {
  /** A set whose replicas run `script` with `sh`; the report is in `report.txt` beside it. */
  function replicas(script: string): ReplicaSet {
    const dir = tempDir('grader-replicas-');
    writeFileSync(join(dir, 'report.txt'), MAP_RACE);
    const session = { useEnvMarker: () => ({ name: 'GRADER_SESSION', value: 'test' }) } as unknown as Session;
    const target = { name: 't', dir, source: 'target.json', start: { argv: ['sh', '-c', script] } } as const;
    return new ReplicaSet(target, new DirectLauncher(dir), env('127.0.0.1:9092', 'postgres://r:p@127.0.0.1:5432/db'), dir, session, {} as Admin, 'test');
  }

  it('a replica that printed a race report stopped on a data race, whatever its exit and output after it', async () => {
    const set = replicas(`echo starting; cat report.txt >&2; for i in $(seq 60); do echo "after $i"; done; exit 66`);
    const [r1] = set.start(1);
    await r1?.exited();
    expect(set.crashes()).toEqual([
      'replica r1 stopped on a data race (Go race detector, exit 66): Write at 0x00c0001a4060 by goroutine 23 in main.(*stockCache).put() cache.go:31; previous read by goroutine 25 in main.(*stockCache).get() cache.go:24',
    ]);
    const killed = replicas('cat report.txt >&2; kill -9 $$');
    await killed.start(1)[0]?.exited();
    expect(killed.crashes()[0]).toMatch(/^replica r1 stopped on a data race \(Go race detector, SIGKILL\): Write at 0x00c0001a4060/);
    await Promise.all([set.close(), killed.close()]);
  });

  it('any other exit keeps its last lines', async () => {
    const set = replicas('echo "DATA RACE is not the warning"; exit 3');
    await set.start(1)[0]?.exited();
    expect(set.crashes()).toEqual(['replica r1 exited with code 3: DATA RACE is not the warning']);
    await set.close();
  });

  it('a race reported on SIGTERM comes with the stop result', async () => {
    const set = replicas(`trap 'cat report.txt >&2; exit 66' TERM; echo ready; while :; do sleep 0.05; done`);
    const [r1] = set.start(1);
    if (!r1) throw new Error('no replica');
    while (!r1.lastLines().includes('ready')) await new Promise((resolve) => setTimeout(resolve, 10));
    const stop = await set.stop(r1, 5_000);
    expect(stop.exit.code).toBe(66);
    expect(stop.race?.access?.frame).toBe('main.(*stockCache).put()');
    expect(set.crashes()).toEqual([]);
    await set.close();
  });
});
