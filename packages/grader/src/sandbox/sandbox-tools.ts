import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { GraderError } from '../errors/grader-error.ts';
import { firstClosedFolder } from '../paths-access.ts';
import { graderCacheDir } from '../infra/cache-dir.ts';
import type { InfraLogger } from '../infra/infra.ts';
import type { SessionRegistry } from '../infra/session/session-registry.ts';
import { cgroupRoot, CgroupUnavailable, type CgroupRoot } from './cgroup-root.ts';
import { ensureVisibleProc, inContainer, makeTunDevice } from './container-host.ts';
import { probeSandbox } from './sandbox-probe.ts';
import { ownSubordinateIds, type SubordinateRange } from './user-namespace.ts';

/** Absolute paths of the programs a sandboxed process is started through. */
export interface SandboxTools {
  readonly sh: string;
  readonly unshare: string;
  readonly prlimit: string;
  readonly setpriv: string;
  readonly pasta: string;
  readonly bwrap: string;
  readonly nsenter: string;
  /** A tun device node unprivileged users may open, bound over /dev/net/tun when the host's is 0600. */
  readonly tunNode?: string;
  /** The cgroup sandboxes nest below, and which backend it is. */
  readonly cgroupRoot: CgroupRoot;
  /** Set when the grader is not root: each sandbox's disk and uid live in a user namespace of its own. */
  readonly rootless?: {
    readonly user: string;
    /** The user's subordinate uids (and as many gids), mapped to 1..count in each namespace. */
    readonly uids: SubordinateRange;
  };
}

const PROGRAMS = { sh: 'sh', unshare: 'unshare', prlimit: 'prlimit', setpriv: 'setpriv', pasta: 'pasta', bwrap: 'bwrap', nsenter: 'nsenter' } as const;
/** Debian packages that provide the programs util-linux does not. */
const PACKAGES: Partial<Record<keyof typeof PROGRAMS, string>> = { pasta: 'passt', bwrap: 'bubblewrap' };

const HINT = 'the sandbox needs cgroups (v1, or v2 with memory, pids and cpu delegated), bubblewrap and passt (apt-get install bubblewrap passt), and root or a one-time `sudo grader sandbox delegate --user <you>`; --no-sandbox runs targets uncontained, for debugging only';

/** What an unprivileged user needs once, from root: docs/security.md, rootless. */
export const DELEGATE_HINT = (user: string): string => `run once as root: grader sandbox delegate --user ${user} (docs/security.md, rootless); --no-sandbox runs targets uncontained, for debugging only`;

function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return reachableByAll(candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * pasta and bwrap start after setpriv, as a uid that may not pass through the directory of a link
 * on PATH (a CI runner's tool cache in a private /tmp dir): the first path along the link's chain
 * that keeps the program's name (passt acts as pasta only when called so) in a directory any
 * user may pass through.
 */
export function reachableByAll(path: string): string {
  const name = basename(path);
  let current = path;
  for (let hops = 0; hops < 40; hops += 1) {
    // Links among the directories too (a tool cache's x64 may link to /usr).
    try {
      current = join(realpathSync(dirname(current)), basename(current));
    } catch {
      return path;
    }
    if (basename(current) === name && firstClosedFolder(dirname(current)) === undefined) return current;
    let target: string;
    try {
      target = readlinkSync(current);
    } catch {
      return path;
    }
    current = resolve(dirname(current), target);
  }
  return path;
}

function unavailable(what: string, hint = HINT): GraderError {
  return new GraderError('SANDBOX_UNAVAILABLE', `cannot contain targets: ${what}`, hint);
}

/**
 * Finds (and on Debian, as root, installs once) what the sandbox is made of. Throws
 * SANDBOX_UNAVAILABLE naming the missing piece.
 */
export function ensureSandboxTools(logger: InfraLogger, registry?: SessionRegistry): SandboxTools {
  if (process.platform !== 'linux') throw unavailable(`it needs Linux namespaces and cgroups; this is ${process.platform}`);
  const rootless = process.getuid?.() !== 0 ? rootlessUser() : undefined;
  const missing = (Object.keys(PROGRAMS) as (keyof typeof PROGRAMS)[]).filter((k) => !which(PROGRAMS[k]));
  const installable = missing.flatMap((k) => (PACKAGES[k] ? [PACKAGES[k]] : []));
  if (!rootless && installable.length > 0 && installable.length === missing.length && which('apt-get')) {
    logger.info(`installing the sandbox's tools with apt-get: ${installable.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = (): boolean => spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...installable], { env, stdio: 'ignore' }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
      install();
    }
  }
  const found = Object.fromEntries(Object.entries(PROGRAMS).map(([key, name]) => [key, which(name)])) as Record<keyof typeof PROGRAMS, string | undefined>;
  const stillMissing = Object.entries(found).filter(([, path]) => !path).map(([key]) => `${PROGRAMS[key as keyof typeof PROGRAMS]}${PACKAGES[key as keyof typeof PROGRAMS] ? ` (Debian package ${PACKAGES[key as keyof typeof PROGRAMS]})` : ''}`);
  if (stillMissing.length > 0) throw unavailable(`${stillMissing.join(', ')} not found on PATH`);
  let root: CgroupRoot;
  try {
    root = cgroupRoot(logger, registry, undefined, rootless?.user);
  } catch (error) {
    if (error instanceof CgroupUnavailable) throw unavailable(error.message, `${error.hint}; --no-sandbox runs targets uncontained, for debugging only`);
    throw error;
  }
  if (inContainer() && !rootless) {
    if (!existsSync('/dev/net/tun')) {
      const failed = makeTunDevice(logger);
      if (failed) throw unavailable(`this container has no /dev/net/tun, and it could not be made (${failed})`, 'docker run --device /dev/net/tun (Kubernetes: allow the tun device, c 10:200)');
    }
    // If this fails, the probe below says what the kernel refused.
    ensureVisibleProc(logger);
  }
  const tools: SandboxTools = { ...(found as Record<keyof typeof PROGRAMS, string>), cgroupRoot: root, ...tunNodeFor(rootless !== undefined), ...(rootless ? { rootless } : {}) };
  const failed = probeSandbox(tools, registry);
  if (failed) throw unavailable(failed.what, `${failed.hint}; --no-sandbox runs targets uncontained, for debugging only`);
  return tools;
}

/**
 * pasta opens /dev/net/tun as the sandbox's user. Distributions make it 0666 (udev); where it is
 * 0600 (no udev, as in some VMs), a 0666 node of the same device is made in the grader's cache
 * and bound over /dev/net/tun in each sandbox's private mount namespace only.
 */
function tunNodeFor(rootless: boolean): { tunNode?: string } {
  let mode: number;
  try {
    const info = statSync('/dev/net/tun');
    if (!info.isCharacterDevice()) throw new Error('not a character device');
    mode = info.mode;
  } catch (error) {
    throw unavailable(`/dev/net/tun is unusable (${(error as Error).message}); pasta needs the tun driver`, 'load the tun module (modprobe tun)');
  }
  if ((mode & 0o006) === 0o006) return {};
  if (rootless) throw unavailable(`/dev/net/tun is mode ${(mode & 0o777).toString(8)}, and pasta opens it as this user`, 'make it usable by all users (chmod 0666 /dev/net/tun, as udev does on most distributions)');
  const dir = join(graderCacheDir(), 'sandbox');
  const node = join(dir, 'tun');
  if (!existsSync(node)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    try {
      execFileSync('mknod', ['-m', '0666', node, 'c', '10', '200'], { stdio: 'ignore' });
    } catch (error) {
      throw unavailable(`/dev/net/tun is mode ${(mode & 0o777).toString(8)} and a usable node could not be made at ${node}: ${(error as Error).message}`);
    }
  }
  return { tunNode: node };
}

/**
 * Without root, each sandbox gets a user namespace of its own in which the user's subordinate
 * ids exist (newuidmap maps them): a submission still runs as a uid no account has.
 */
function rootlessUser(): NonNullable<SandboxTools['rootless']> {
  const { username } = userInfo();
  const ids = ownSubordinateIds();
  if (!ids) throw unavailable(`the grader runs as ${username}, who has no subordinate uid and gid range (/etc/subuid, /etc/subgid) to give each submission a uid of its own`, DELEGATE_HINT(username));
  // A submission's uid is drawn from 1000 up: below that a range may be too short to leave room.
  if (ids.uids.count < 2000 || ids.gids.count < 2000) throw unavailable(`${username}'s subordinate ranges are too small (${ids.uids.count} uids, ${ids.gids.count} gids; 2000 at least)`, 'widen them in /etc/subuid and /etc/subgid (usermod --add-subuids, --add-subgids)');
  for (const helper of ['newuidmap', 'newgidmap']) {
    if (!which(helper)) throw unavailable(`${helper} not found: it maps ${username}'s subordinate ids (Debian package uidmap)`, 'apt-get install uidmap');
  }
  // A submission's uid is also its gid: only ids both ranges map.
  return { user: username, uids: { start: ids.uids.start, count: Math.min(ids.uids.count, ids.gids.count) } };
}
