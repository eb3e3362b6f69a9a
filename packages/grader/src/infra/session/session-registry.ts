import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupDirs } from '../../sandbox/cgroup.ts';
import { graderCacheDir } from '../cache-dir.ts';
import type { InfraEndpoints, InfraKind } from '../infra.ts';
import { cleanupSessionSync, isAlive } from './cleanup.ts';
import { readSessionRecord, type SessionRecord, type TrackedProcess } from './session-file.ts';

/**
 * Session files record, for every grader process, the processes, temp dirs and containers it
 * started. A reaper watches the owner; `sweep()` cleans up after owners that died anyway.
 */
export class SessionRegistry {
  readonly dir: string;

  constructor(cacheDir: string = graderCacheDir()) {
    this.dir = join(cacheDir, 'sessions');
  }

  create(kind: InfraKind | 'targets' | 'sandbox', ownerPid: number = process.pid): Session {
    mkdirSync(this.dir, { recursive: true });
    const id = `${kind}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const record: SessionRecord = {
      id,
      kind,
      ownerPid,
      startedAt: new Date().toISOString(),
      processes: [],
      dirs: [],
      containers: [],
    };
    const session = new Session(join(this.dir, `${id}.json`), record);
    session.save();
    return session;
  }

  list(): { path: string; record: SessionRecord; ownerAlive: boolean }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      const path = join(this.dir, name);
      const record = readSessionRecord(path);
      return record ? [{ path, record, ownerAlive: isAlive(record.ownerPid) }] : [];
    });
  }

  /** Signal-handler path: synchronously cleans up every session this process owns. */
  closeOwnedSync(ownerPid: number = process.pid): number {
    let closed = 0;
    for (const { path, record } of this.list()) {
      if (record.ownerPid !== ownerPid) continue;
      cleanupSessionSync(record);
      rmSync(path, { force: true });
      closed += 1;
    }
    return closed;
  }

  /** Cleans up sessions whose owner process is gone. Returns how many were swept. */
  sweep(): number {
    let swept = 0;
    for (const { path, record, ownerAlive } of this.list()) {
      if (ownerAlive) continue;
      cleanupSessionSync(record);
      rmSync(path, { force: true });
      swept += 1;
    }
    return swept;
  }
}

/** One grader process's record; every change is written through so a reaper can read it. */
export class Session {
  constructor(
    readonly path: string,
    private readonly record: SessionRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get snapshot(): Readonly<SessionRecord> {
    return this.record;
  }

  trackProcess(process_: TrackedProcess): void {
    this.record.processes.push(process_);
    this.save();
  }

  trackDir(dir: string): void {
    this.record.dirs.push(dir);
    this.save();
  }

  trackCgroup(dirs: CgroupDirs): void {
    (this.record.cgroups ??= []).push(dirs);
    this.save();
  }

  trackMount(path: string): void {
    (this.record.mounts ??= []).push(path);
    this.save();
  }

  /** Returns the `NAME=value` to put into the environment of every process of this session. */
  useEnvMarker(): { name: string; value: string } {
    this.record.envMarker = `GRADER_SESSION=${this.record.id}`;
    this.save();
    return { name: 'GRADER_SESSION', value: this.record.id };
  }

  setEndpoints(endpoints: InfraEndpoints): void {
    this.record.endpoints = endpoints;
    this.save();
  }

  save(): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.record, null, 2));
    renameSync(tmp, this.path);
  }

  /** Kills what is still tracked, removes dirs and the session file. Safe to call twice. */
  closeSync(): void {
    cleanupSessionSync(this.record);
    rmSync(this.path, { force: true });
  }
}
