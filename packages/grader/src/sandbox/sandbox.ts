import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, dirname, join, parse } from 'node:path';
import { GraderError } from '../errors/grader-error.ts';
import { firstClosedFolder } from '../paths-access.ts';
import type { InfraLogger } from '../infra/infra.ts';
import { silentLogger } from '../infra/infra.ts';
import { ensureReaper } from '../infra/session/reaper.ts';
import { SessionRegistry, type Session } from '../infra/session/session-registry.ts';
import type { TargetSpec } from '../target/target-spec.ts';
import { Cgroup } from './cgroup.ts';
import { killAll } from './cgroup-fs.ts';
import type { SandboxLimits, SandboxSpec } from './sandbox-command.ts';
import { SandboxLauncher } from './sandbox-launcher.ts';
import { ensureSandboxTools } from './sandbox-tools.ts';
import { mountGoCache, type GoBuildCache } from './go-build-cache.ts';
import { UserNamespace } from './user-namespace.ts';

const MiB = 1024 * 1024;

/** Defaults sized for a 2-core, 24 GiB machine grading one submission at a time. */
export const DEFAULT_LIMITS: SandboxLimits = {
  // Every core but a quarter of one: the grader and the servers keep some time for themselves
  // when a target spins (1.75 on 2 cores; 1.5 throttled the reference fix for 2 s of a grade).
  memoryMiB: 2048,
  totalMemoryMiB: 6144,
  pids: 512,
  totalPids: 2048,
  cpus: Math.max(1, availableParallelism() - 0.25),
  // Below the memory limit: the disk is a tmpfs whose pages count as the writer's memory, so a
  // full disk (ENOSPC) comes before the OOM killer.
  diskMiB: 1024,
  openFiles: 8192,
};

/** Host uids the sandboxes pick from; no account on a normal system has one. */
const UID_RANGE = [0x30000, 0x3ffff] as const;

/** Directories of the system that every sandbox sees read-only anyway. */
const SYSTEM_PREFIXES = ['/usr/', '/bin/', '/sbin/', '/lib', '/etc/', '/opt/'];

const worldTraversable = (path: string): boolean => firstClosedFolder(path) === undefined;

/**
 * Read-only paths a target may need beyond /usr, /etc and /opt: toolchain directories on PATH
 * that any user may read (the sandbox's user could not bind the others), the node_modules of the
 * target's ancestors (Node resolves modules there, as pnpm and npm workspaces rely on), and the
 * paths the grader itself vouches for (`target.readOnly`, for its own named and mutant targets).
 */
export function readOnlyPathsFor(target: TargetSpec, path = process.env.PATH ?? ''): string[] {
  const paths = new Set<string>(target.readOnly ?? []);
  for (const entry of path.split(delimiter)) {
    if (!entry || !existsSync(entry)) continue;
    const real = realpathSync(entry);
    if (SYSTEM_PREFIXES.some((prefix) => `${real}/`.startsWith(prefix))) continue;
    if (worldTraversable(real)) paths.add(real);
  }
  const { root } = parse(target.dir);
  for (let dir = dirname(target.dir); ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    if (existsSync(modules) && statSync(modules).isDirectory() && worldTraversable(modules)) paths.add(modules);
    if (dir === root) break;
  }
  // A path inside another one is bound with it already.
  const sorted = [...paths].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
}

/**
 * Copies the target into the sandbox's disk. What goes wrong here is the submission's doing (too
 * big for the disk, a socket or device among its files): returned as a reason, not thrown.
 */
function copyTarget(from: string, to: string, diskMiB: number): string | undefined {
  try {
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    return undefined;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ENOSPC') return `the target directory does not fit the sandbox's disk of ${diskMiB} MiB`;
    if (code?.startsWith('ERR_FS_CP_') || code === 'EACCES' || code === 'ELOOP') return `the target directory could not be copied into the sandbox: ${message}`;
    throw error;
  }
}

/** Copies `from` to `to` unless something is there already; on failure the build installs them itself. */
function addDependencies(from: string, to: string, logger: InfraLogger, name: string): void {
  if (lstatSync(to, { throwIfNoEntry: false })) return;
  try {
    // With their times: npm trusts node_modules/.package-lock.json only if no folder is newer.
    cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  } catch (error) {
    rmSync(to, { recursive: true, force: true });
    logger.warn(`the task's installed dependencies could not be added to ${name}'s copy (${(error as Error).message}); its build installs them`);
  }
}

/** Where a sandbox's disk is, as the grader sees it, and how to run a privileged step on it. */
interface DiskSpace {
  readonly host: string;
  readonly enter?: readonly string[];
  readonly holder?: { readonly pid: number; readonly userNamespace: string };
  readonly run: (argv: readonly string[]) => void;
}

/**
 * Rootless: a uid of the user's subordinate range, as the sandbox's user namespace numbers it
 * (inner uid n is host uid start + n - 1). Never one that root-mode sandboxes draw from: a range
 * useradd handed out may cover them.
 */
function pickSubordinateUid(range: { readonly start: number; readonly count: number }): number {
  for (let tries = 0; tries < 10_000; tries += 1) {
    // 65534 is the kernel's overflow id: what an unmapped id shows as.
    const uid = randomInt(1000, Math.min(range.count, 65534));
    const host = range.start + uid - 1;
    if (host < UID_RANGE[0] - 1 || host > UID_RANGE[1]) return uid;
  }
  throw new Error(`the subordinate uids ${range.start}-${range.start + range.count - 1} lie within the uids root-mode sandboxes use (${UID_RANGE[0] - 1}-${UID_RANGE[1]}): give the user another range (grader sandbox delegate picks one clear of them)`);
}

function pickUid(): number {
  const taken = new Set(
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => Number(line.split(':')[2])),
  );
  for (;;) {
    const uid = randomInt(UID_RANGE[0], UID_RANGE[1] + 1);
    if (!taken.has(uid)) return uid;
  }
}

export interface SandboxOptions {
  readonly target: TargetSpec;
  readonly limits?: SandboxLimits;
  readonly logger?: InfraLogger;
  readonly registry?: SessionRegistry;
  /** Warm Go caches to mount read-only under the sandbox's own writable layer. */
  readonly goCache?: GoBuildCache;
  /**
   * Installed dependencies (a node_modules folder) copied into the target's copy when it has no
   * node_modules of its own: the task's, for a target whose dependency files are the task's, so
   * its build's `npm install` finds them up to date instead of downloading them.
   */
  readonly dependencies?: string;
}

/**
 * The container of one submission: a host uid of its own, a tmpfs of `diskMiB` holding a copy
 * of the target (writable), its home and /tmp, and a cgroup capping the memory, processes and
 * CPU of everything it runs. Build and replicas run in it through `launcher`.
 */
export class Sandbox {
  constructor(private readonly options: SandboxOptions) {}

  start(): StartedSandbox {
    const { target } = this.options;
    const logger = this.options.logger ?? silentLogger;
    const limits = this.options.limits ?? DEFAULT_LIMITS;
    const registry = this.options.registry ?? new SessionRegistry();
    const tools = ensureSandboxTools(logger, registry);
    const session = registry.create('sandbox');
    ensureReaper(session.path);
    try {
      const root = join(tmpdir(), `grader-sandbox-${session.id}`);
      mkdirSync(root, { mode: 0o700 });
      session.trackDir(root);
      const disk = `size=${limits.diskMiB}m,nosuid,nodev`;
      let uid: number;
      let space: DiskSpace;
      if (tools.rootless) {
        // The disk is mounted in a user namespace of the sandbox's own, where the user is root and
        // its subordinate ids exist; the grader copies the target in through /proc/PID/root.
        const namespace = UserNamespace.start(session, tools);
        uid = pickSubordinateUid(tools.rootless.uids);
        namespace.exec(['mount', '-t', 'tmpfs', '-o', `${disk},mode=0711`, 'grader-sandbox', root]);
        space = { host: namespace.hostPath(root), enter: namespace.enter, holder: { pid: namespace.pid, userNamespace: namespace.userNamespace }, run: (argv) => namespace.exec(argv) };
      } else {
        uid = pickUid();
        execFileSync('mount', ['-t', 'tmpfs', '-o', `${disk},mode=0700,uid=${uid},gid=${uid}`, 'grader-sandbox', root], { stdio: 'pipe' });
        session.trackMount(root);
        space = { host: root, run: (argv) => execFileSync(argv[0] as string, argv.slice(1), { stdio: 'pipe' }) };
      }
      const copyFailure = copyTarget(target.dir, join(space.host, 'target'), limits.diskMiB);
      if (!copyFailure && this.options.dependencies) addDependencies(this.options.dependencies, join(space.host, 'target', 'node_modules'), logger, target.name);
      mkdirSync(join(space.host, 'home'));
      mkdirSync(join(space.host, 'tmp'));
      // Rootless, the disk's root stays the namespace root's (the user's), so the grader can read it.
      space.run(['chown', '-R', '-h', `${uid}:${uid}`, ...(tools.rootless ? ['target', 'home', 'tmp'].map((dir) => join(root, dir)) : [root])]);
      // After the chown, which would otherwise copy every file of the caches up.
      if (this.options.goCache) {
        try {
          mountGoCache(this.options.goCache, root, space.host, uid, space.run, tools.rootless ? () => undefined : (path) => session.trackMount(path));
        } catch (error) {
          // A cache on a filesystem overlayfs cannot stack on: the build starts cold, as without one.
          const detail = ((error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message).split('\n')[0];
          logger.warn(`the warm Go cache could not be mounted for ${target.name} (${detail}); its build starts cold`);
        }
      }
      const cgroup = Cgroup.create(tools.cgroupRoot.dirs, `grader-${session.id}`, {
        memoryBytes: limits.totalMemoryMiB * MiB,
        pids: limits.totalPids,
        cpus: limits.cpus,
      });
      session.trackCgroup(cgroup.dirs);
      const spec: SandboxSpec = { tools, uid, root, hostRoot: space.host, ...(space.enter ? { enter: space.enter } : {}), ...(space.holder ? { holder: space.holder } : {}), targetDir: target.dir, cgroup: cgroup.dirs, limits, readOnly: readOnlyPathsFor(target) };
      return new StartedSandbox(spec, session, copyFailure);
    } catch (error) {
      session.closeSync();
      if (error instanceof GraderError) throw error;
      const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
      throw new GraderError('SANDBOX_UNAVAILABLE', `could not set up the sandbox for ${target.name}: ${detail.split('\n')[0]}`, 'the sandbox needs a writable /tmp, and root or a user set up by `grader sandbox delegate`; --no-sandbox runs targets uncontained, for debugging only', undefined, { cause: error });
    }
  }
}

/** A set-up sandbox. `stop()` kills what still runs in it and removes its disk and cgroup. */
export class StartedSandbox implements Disposable {
  private stopped = false;

  constructor(
    readonly spec: SandboxSpec,
    private readonly session: Session,
    /** Why the target's files could not be copied in (the target's failure), if they could not. */
    readonly copyFailure?: string,
  ) {}

  get launcher(): SandboxLauncher {
    return new SandboxLauncher(this.spec);
  }

  /** One line for logs and reports: what contains the target. */
  describe(): string {
    const { limits, uid, tools } = this.spec;
    const user = tools.rootless
      ? `rootless (the grader runs as ${tools.rootless.user}): uid ${uid} of a user namespace of its own, subordinate uid ${tools.rootless.uids.start + uid - 1} on the host`
      : `uid ${uid}`;
    return `${user}; pid, mount, user, ipc and network namespaces; ${tools.cgroupRoot.backend}; memory ${limits.memoryMiB} MiB per process (${limits.totalMemoryMiB} MiB in all), ${limits.pids} processes per replica (${limits.totalPids} in all), ${limits.cpus} CPUs, ${limits.diskMiB} MiB disk, ${limits.openFiles} open files`;
  }

  /** SIGKILLs every process the submission runs (build or replicas), keeping its files and cgroup. */
  killProcesses(): void {
    killAll(Cgroup.at(this.spec.cgroup).pids());
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.session.closeSync();
  }

  [Symbol.dispose](): void {
    this.stop();
  }
}
