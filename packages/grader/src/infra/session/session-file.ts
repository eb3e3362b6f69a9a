import { readFileSync } from 'node:fs';
import type { CgroupDirs } from '../../sandbox/cgroup.ts';
import type { InfraEndpoints, InfraKind } from '../infra.ts';

/** A process the grader started; `marker` must appear in its command line before we kill it. */
export interface TrackedProcess {
  readonly pid: number;
  /** Kill the whole process group (the process was spawned detached). */
  readonly group: boolean;
  /** A string from the process's command line (guards against pid reuse). */
  readonly marker: string;
  readonly what: string;
}

/** What one grader process started; written to `<cacheDir>/sessions/<id>.json`. */
export interface SessionRecord {
  readonly id: string;
  /** An infra provider, `targets` for the replicas a grading run starts, `sandbox` for a submission's sandbox. */
  readonly kind: InfraKind | 'targets' | 'sandbox';
  readonly ownerPid: number;
  readonly startedAt: string;
  /** Set by `grader infra up` so `infra status` can print it. */
  endpoints?: InfraEndpoints;
  processes: TrackedProcess[];
  /**
   * `NAME=value` put into the environment of every process of the session: processes started
   * by other programs (a target's `npm start` → node) are found through it.
   */
  envMarker?: string;
  dirs: string[];
  containers: string[];
  /** cgroups (v1: a directory per controller; v2: `unified`) whose every process belongs to the session. */
  cgroups?: CgroupDirs[];
  /** Filesystems the session mounted (a sandbox's disk); unmounted before `dirs` are removed. */
  mounts?: string[];
}

export function readSessionRecord(path: string): SessionRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SessionRecord;
  } catch {
    return undefined;
  }
}
