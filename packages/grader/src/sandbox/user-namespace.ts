import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { isAlive, isZombie } from '../infra/session/cleanup.ts';
import type { Session } from '../infra/session/session-registry.ts';

/** A block of subordinate ids (/etc/subuid, /etc/subgid) that newuidmap lets a user map. */
export interface SubordinateRange {
  readonly start: number;
  readonly count: number;
}

/** The first range of `user` (by name or uid) in a subuid/subgid file's text. */
export function subordinateRange(text: string, user: string, uid: number): SubordinateRange | undefined {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if ((owner === user || owner === String(uid)) && Number(count) > 0) return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

/** A file's text, or '' when it cannot be read (absent settings and ids files are the common case). */
export function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The subordinate uids and gids this user may map, if it has both (usermod --add-subuids/--add-subgids). */
export function ownSubordinateIds(): { uids: SubordinateRange; gids: SubordinateRange } | undefined {
  const { username, uid } = userInfo();
  const uids = subordinateRange(readOr('/etc/subuid'), username, uid);
  const gids = subordinateRange(readOr('/etc/subgid'), username, uid);
  return uids && gids ? { uids, gids } : undefined;
}

/**
 * Rootless containment's privileged half: a user and mount namespace in which the grader's user
 * is root and its subordinate ids are ids 1..n (unshare --map-root-user --map-auto, through the
 * setuid newuidmap), kept alive by a `sleep` the session tracks. A sandbox's disk is mounted
 * here, its files are given to a subordinate uid here, and its processes start here (nsenter), so
 * each submission still runs as a uid of its own that no account has. The host sees the
 * namespace's files through /proc/PID/root.
 */
export class UserNamespace {
  private constructor(
    readonly pid: number,
    private readonly nsenter: string,
    /** What /proc/PID/ns/user named when the namespace was made: nsenter must enter that one only. */
    readonly userNamespace: string,
  ) {}

  /** Starts the holder; throws with what unshare printed when the kernel or newuidmap refuse. */
  static start(session: Session, tools: { readonly unshare: string; readonly nsenter: string }): UserNamespace {
    const { unshare } = tools;
    // A file, not a pipe: the wait below blocks the event loop that would read one.
    const errorsDir = mkdtempSync(join(tmpdir(), 'grader-userns-'));
    const stderr = openSync(join(errorsDir, 'stderr'), 'wx');
    let pid: number | undefined;
    try {
      const holder = spawn(unshare, ['--user', '--map-root-user', '--map-auto', '--mount', '--propagation', 'private', '--', 'sleep', 'infinity'], {
        detached: true,
        stdio: ['ignore', 'ignore', stderr],
      });
      holder.on('error', () => undefined);
      holder.unref();
      pid = holder.pid;
    } finally {
      closeSync(stderr);
    }
    const said = (): string => readOr(join(errorsDir, 'stderr')).trim().split('\n')[0] || 'no message';
    try {
      if (pid === undefined) throw new Error(`${unshare} did not start: ${said()}`);
      session.trackProcess({ pid, group: true, marker: 'infinity', what: 'the holder of a rootless sandbox namespace' });
      // unshare execs `sleep` once the maps are written: until then /proc/PID/comm says unshare.
      const sleeper = new Int32Array(new SharedArrayBuffer(4));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (!isAlive(pid) || isZombie(pid)) throw new Error(`unshare --user --map-root-user --map-auto failed: ${said()}`);
        if (readOr(`/proc/${pid}/comm`).trim() === 'sleep') break;
        if (Date.now() > deadline) throw new Error('unshare made no user namespace within 30 s');
        Atomics.wait(sleeper, 0, 0, 10);
      }
    } finally {
      rmSync(errorsDir, { recursive: true, force: true });
    }
    return new UserNamespace(pid, tools.nsenter, readlinkSync(`/proc/${pid}/ns/user`));
  }

  /** The argv prefix that runs a command as root of this namespace, in its mounts. */
  get enter(): string[] {
    return [this.nsenter, `--target=${this.pid}`, '--user', '--mount', '--'];
  }

  /** True while the holder's pid still holds the namespace it made (not a reused pid). */
  static holds(holder: { readonly pid: number; readonly userNamespace: string }): boolean {
    try {
      return readlinkSync(`/proc/${holder.pid}/ns/user`) === holder.userNamespace;
    } catch {
      return false;
    }
  }

  /** Runs `argv` as the namespace's root; throws (with its stderr) if it fails. */
  exec(argv: readonly string[]): void {
    if (!UserNamespace.holds(this)) throw new Error(`the holder (pid ${this.pid}) of the sandbox's user namespace is gone`);
    const [command, ...args] = [...this.enter, ...argv];
    execFileSync(command as string, args, { stdio: 'pipe', cwd: '/' });
  }

  /** Where the grader sees `path` of the namespace's mounts. */
  hostPath(path: string): string {
    return `/proc/${this.pid}/root${path}`;
  }
}
