import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { InfraLogger } from '../infra/infra.ts';
import { ensureReaper } from '../infra/session/reaper.ts';
import { isAlive, isZombie } from '../infra/session/cleanup.ts';
import { SessionRegistry } from '../infra/session/session-registry.ts';
import { ownCgroupDirs, ownUnifiedDir, parseMounts, readOnlyCgroupMounts, unifiedDir, type CgroupDirs } from './cgroup.ts';
import type { V1Dirs } from './cgroup-v1.ts';
import { readOr, write } from './cgroup-fs.ts';
import { inContainer } from './container-host.ts';
import { enableControllers, V2_CONTROLLERS, type V2Dirs } from './cgroup-v2.ts';

/** Where the sandboxes' cgroups are made, and how the grader came to own it. */
export interface CgroupRoot {
  readonly version: 1 | 2;
  readonly dirs: CgroupDirs;
  /** For the report's containment line, e.g. "cgroup v2, a systemd scope with Delegate=yes". */
  readonly backend: string;
}

/** Why no cgroup could be had: what is missing, and the set-up that fixes it. */
export class CgroupUnavailable extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** The leaf that holds a delegated cgroup's own processes (moby's hack/dind uses the same name). */
const INIT_LEAF = 'init';

const V2_HINT_CONTAINER = 'in a container, run it with --cap-add SYS_ADMIN and a cgroup namespace of its own (docker run --cgroupns=private; docs/security.md lists every flag)';

interface HostProbe {
  readonly mountinfo: string;
  readonly cgroups: string;
  /** True where systemd is the service manager (sd_booted: /run/systemd/system exists). */
  readonly systemd: boolean;
  /** True in a container (Docker, Podman, a Kubernetes pod), whose cgroup mounts are its own subtree. */
  readonly container: boolean;
}

function probeHost(): HostProbe {
  return {
    mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'),
    cgroups: readFileSync('/proc/self/cgroup', 'utf8'),
    systemd: existsSync('/run/systemd/system'),
    container: inContainer(),
  };
}

/**
 * Container runtimes mount the container's cgroups read-only unless privileged; with SYS_ADMIN
 * the grader makes its own mount of them writable (a bind remount: the flag of this mount point
 * in the container's mount namespace only, nothing of the host's).
 */
function makeWritable(dirs: readonly string[], mountinfo: string, logger: InfraLogger): void {
  for (const point of readOnlyCgroupMounts(dirs, mountinfo)) {
    const remount = spawnSync('mount', ['-o', 'remount,bind,rw', point], { encoding: 'utf8' });
    if (remount.status !== 0) {
      throw new CgroupUnavailable(`the container's cgroup mount ${point} is read-only and could not be made writable (${(remount.stderr || remount.error?.message || '').trim().split('\n')[0]})`, V2_HINT_CONTAINER);
    }
    logger.info(`made the container's cgroup mount ${point} writable (mount -o remount,bind,rw)`);
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(join(dir, 'cgroup.procs'), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

let scope: { root: CgroupRoot; holderPid: number } | undefined;

/**
 * Finds the cgroup subtree the sandboxes nest in, making it if need be, once per process:
 * - cgroup v1: this process's own group in the memory, pids and cpu hierarchies;
 * - cgroup v2 under systemd: a transient scope with Delegate=yes (held by a `sleep` the session
 *   tracks), its holder moved into a leaf, as systemd's delegation rules ask;
 * - cgroup v2 without systemd (a container): this process's own group, once every process in it
 *   has moved into a leaf `init/` (no process may sit in a group whose children have controllers).
 * Throws CgroupUnavailable naming what is missing.
 */
export function cgroupRoot(logger: InfraLogger, registry: SessionRegistry = new SessionRegistry(), host: HostProbe = probeHost(), rootlessUser?: string): CgroupRoot {
  const v1 = ownCgroupDirs(host.mountinfo, host.cgroups);
  const own = v1 ? undefined : ownUnifiedDir(host.mountinfo, host.cgroups);
  if (rootlessUser !== undefined) return rootlessRoot(rootlessUser, v1, own, host, logger);
  if (host.container) makeWritable(v1 ? Object.values(v1) : own ? [own] : [], host.mountinfo, logger);
  if (v1) {
    for (const dir of Object.values(v1)) {
      if (!writable(dir)) throw new CgroupUnavailable(`cannot create cgroups below ${dir} (not writable)`, 'the sandbox needs root, or a cgroup subtree delegated to this user');
    }
    return { version: 1, dirs: v1, backend: 'cgroup v1' };
  }
  if (!own) throw new CgroupUnavailable('no cgroup v1 hierarchy with memory, pids and cpu, and no cgroup v2 mount that holds this process', 'mount cgroup2 at /sys/fs/cgroup, or run the grader on a host with cgroups');
  // A leaf `init/` of a prepared parent: an earlier grader (or a dind entrypoint) did the work.
  if (basename(own) === INIT_LEAF && hasControllers(dirname(own), 'cgroup.subtree_control') && writable(dirname(own))) {
    return { version: 2, dirs: { unified: dirname(own) }, backend: 'cgroup v2, this container\'s own group' };
  }
  // The hierarchy's real root has no cgroup.type; a namespace's root (a container's) has one.
  if (!existsSync(join(own, 'cgroup.type'))) {
    requireControllers(own);
    enableSubtree(own);
    return { version: 2, dirs: { unified: own }, backend: 'cgroup v2, the root group' };
  }
  if (host.systemd) return systemdScope(logger, registry);
  return takeOwnGroup(own, logger);
}

/** The name of the group `grader sandbox delegate --user` makes for a user in each v1 hierarchy. */
export const delegatedGroupName = (user: string): string => `inventory-grader.${user}`;

const delegateHint = (user: string): string => `run once as root: grader sandbox delegate --user ${user} (docs/security.md, rootless)`;

/**
 * The first `inventory-grader.<user>` group at or above `dir` (the user's own group and its ancestors up to
 * the hierarchy's mount point): a subtree root handed over once, wherever the user's processes
 * later sit below the group root was in.
 */
export function findDelegatedDir(dir: string, mountPoint: string, user: string, usable: (dir: string) => boolean = writable): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, delegatedGroupName(user));
    if (usable(candidate)) return candidate;
    if (current === mountPoint || current === dirname(current) || !current.startsWith(`${mountPoint}/`)) return undefined;
  }
}

/**
 * Without root: cgroup v1, the subtree root delegated (see findDelegatedDir); cgroup v2, the
 * grader's own group, which it must own: started in a scope of the user's systemd manager with
 * Delegate=yes (or a container run as that user with its group handed over). Moving a process
 * between two v2 groups needs write access to their common ancestor, so the grader cannot put its
 * sandboxes in a scope it did not start in.
 */
function rootlessRoot(user: string, v1: V1Dirs | undefined, own: string | undefined, host: HostProbe, logger: InfraLogger): CgroupRoot {
  if (v1) {
    const mounts = parseMounts(host.mountinfo).filter((m) => m.fstype === 'cgroup');
    const found: Partial<Record<keyof V1Dirs, string>> = {};
    for (const [controller, dir] of Object.entries(v1) as [keyof V1Dirs, string][]) {
      const mount = mounts.filter((m) => dir === m.point || dir.startsWith(`${m.point}/`)).sort((a, b) => b.point.length - a.point.length)[0];
      const delegated = mount ? findDelegatedDir(dir, mount.point, user) : undefined;
      if (!delegated) throw new CgroupUnavailable(`${user} may not create cgroups: no ${delegatedGroupName(user)} group it can write at or above ${dir}`, delegateHint(user));
      found[controller] = delegated;
    }
    logger.info(`cgroup v1 without root: sandboxes nest in the groups delegated to ${user} (${found.memory})`);
    return { version: 1, dirs: found as V1Dirs, backend: `cgroup v1, a subtree delegated to ${user}` };
  }
  if (!own) throw new CgroupUnavailable('no cgroup v1 hierarchy with memory, pids and cpu, and no cgroup v2 mount that holds this process', 'mount cgroup2 at /sys/fs/cgroup, or run the grader on a host with cgroups');
  if (basename(own) === INIT_LEAF && hasControllers(dirname(own), 'cgroup.subtree_control') && writable(dirname(own))) {
    return { version: 2, dirs: { unified: dirname(own) }, backend: `cgroup v2, a group delegated to ${user}` };
  }
  if (!writable(own) || !writableFile(own, 'cgroup.subtree_control')) {
    const start = host.systemd ? `start it in a delegated scope of your systemd manager: systemd-run --user --scope -p Delegate=yes pnpm grader ... (${delegateHint(user)} first, for cpu)` : `start it in a cgroup v2 group owned by ${user} with memory, pids and cpu enabled`;
    throw new CgroupUnavailable(`${user} does not own the cgroup v2 group the grader runs in (${own})`, start);
  }
  requireControllers(own, user);
  const root = takeOwnGroup(own, logger);
  return { ...root, backend: `cgroup v2, a group delegated to ${user}` };
}

function writableFile(dir: string, file: string): boolean {
  try {
    accessSync(join(dir, file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function controllersOf(dir: string, file: string): Set<string> {
  return new Set(readOr(dir, file).split(/\s+/).filter(Boolean));
}

function hasControllers(dir: string, file: string): boolean {
  const present = controllersOf(dir, file);
  return V2_CONTROLLERS.every((c) => present.has(c));
}

function requireControllers(dir: string, user?: string): void {
  const available = controllersOf(dir, 'cgroup.controllers');
  const missing = V2_CONTROLLERS.filter((c) => !available.has(c));
  if (missing.length > 0) {
    throw new CgroupUnavailable(
      `the cgroup v2 group ${dir} lacks the ${missing.join(', ')} controller${missing.length > 1 ? 's' : ''} (it has: ${[...available].join(' ') || 'none'})`,
      user === undefined
        ? 'the parent group must delegate memory, pids and cpu: under systemd, Delegate=yes on the unit (or, for a user, a drop-in for user@.service with Delegate=cpu cpuset io memory pids)'
        : `systemd delegates only memory and pids to users by default; ${delegateHint(user)} adds the drop-in for user@.service (Delegate=cpu cpuset io memory pids), then log in again`,
    );
  }
}

function enableSubtree(dir: string): void {
  try {
    enableControllers(dir, V2_CONTROLLERS);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EROFS') throw new CgroupUnavailable(`the cgroup v2 mount holding ${dir} is read-only`, V2_HINT_CONTAINER);
    throw new CgroupUnavailable(`could not enable memory, pids and cpu below ${dir}: ${message}`, V2_HINT_CONTAINER);
  }
}

/** Without systemd: moves every process of `own` into `own/init`, then delegates `own`'s children. */
function takeOwnGroup(own: string, logger: InfraLogger): CgroupRoot {
  requireControllers(own);
  const init = join(own, INIT_LEAF);
  try {
    mkdirSync(init, { recursive: true });
    // Processes may fork meanwhile: until the group is empty, or give up after some rounds.
    for (let round = 0; round < 20; round += 1) {
      const pids = readOr(own, 'cgroup.procs').split('\n').filter(Boolean);
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          write(init, 'cgroup.procs', pid);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EROFS') throw new CgroupUnavailable(`the cgroup v2 mount holding ${own} is read-only`, V2_HINT_CONTAINER);
    throw new CgroupUnavailable(`could not move the processes of ${own} into ${init}: ${message}`, V2_HINT_CONTAINER);
  }
  enableSubtree(own);
  logger.info(`cgroup v2 without systemd: the processes of ${own} moved into ${INIT_LEAF}/, sandboxes nest beside it`);
  return { version: 2, dirs: { unified: own }, backend: 'cgroup v2, this container\'s own group' };
}

/** The unified-hierarchy group of `pid`. */
function cgroupOf(pid: number): string | undefined {
  try {
    return /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** A transient scope with Delegate=yes, kept for this process's lifetime by a tracked `sleep`. */
function systemdScope(logger: InfraLogger, registry: SessionRegistry): CgroupRoot {
  if (scope && isAlive(scope.holderPid) && existsSync((scope.root.dirs as V2Dirs).unified)) return scope.root;
  const unit = `inventory-grader-${process.pid}-${randomBytes(3).toString('hex')}.scope`;
  const session = registry.create('sandbox');
  ensureReaper(session.path);
  // A directory of its own: a name in /tmp another user could guess and link.
  const errorsDir = mkdtempSync(join(tmpdir(), 'grader-scope-'));
  const errors = join(errorsDir, 'stderr');
  const stderr = openSync(errors, 'wx');
  let pid: number | undefined;
  try {
    const holder = spawn('systemd-run', ['--scope', '--quiet', '--collect', `--unit=${unit}`, '-p', 'Delegate=yes', '--', 'sleep', 'infinity'], { detached: true, stdio: ['ignore', 'ignore', stderr] });
    holder.on('error', () => undefined);
    holder.unref();
    pid = holder.pid;
  } finally {
    closeSync(stderr);
  }
  const failure = (why: string): CgroupUnavailable => {
    const said = readOr(errorsDir, 'stderr').trim().split('\n')[0];
    session.closeSync();
    rmSync(errorsDir, { recursive: true, force: true });
    return new CgroupUnavailable(`systemd-run could not make the scope ${unit}: ${why}${said ? ` (${said})` : ''}`, 'the grader needs root to ask systemd for a delegated scope (systemd-run --scope -p Delegate=yes)');
  };
  if (pid === undefined) throw failure('it did not start');
  session.trackProcess({ pid, group: true, marker: 'infinity', what: `the holder of ${unit}` });
  // systemd-run execs `sleep` once the scope exists: the pid's group then ends in the unit name.
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 30_000;
  let path = cgroupOf(pid);
  while (!path?.endsWith(`/${unit}`)) {
    if (!isAlive(pid) || isZombie(pid)) throw failure('it exited');
    if (Date.now() > deadline) throw failure('no scope after 30 s');
    Atomics.wait(sleeper, 0, 0, 20);
    path = cgroupOf(pid);
  }
  rmSync(errorsDir, { recursive: true, force: true });
  const dir = unifiedDir(path);
  if (!dir) throw failure(`its group ${path} is not under a cgroup2 mount this process sees`);
  session.trackCgroup({ unified: dir });
  try {
    requireControllers(dir);
    mkdirSync(join(dir, INIT_LEAF));
    write(join(dir, INIT_LEAF), 'cgroup.procs', String(pid));
    enableSubtree(dir);
  } catch (error) {
    session.closeSync();
    throw error;
  }
  logger.info(`cgroup v2: sandboxes nest in ${dir} (a systemd scope with Delegate=yes)`);
  const root: CgroupRoot = { version: 2, dirs: { unified: dir }, backend: 'cgroup v2, a systemd scope with Delegate=yes' };
  scope = { root, holderPid: pid };
  return root;
}
