import { lstatSync, readlinkSync } from 'node:fs';
import type { CgroupDirs } from './cgroup.ts';
import type { SandboxTools } from './sandbox-tools.ts';

/** Limits of a submission's sandbox; per process = per replica or build, total = all of them. */
export interface SandboxLimits {
  /** Memory per replica or build, in MiB (OOM kill beyond it). */
  readonly memoryMiB: number;
  /** Memory of all the submission's processes together, in MiB. */
  readonly totalMemoryMiB: number;
  /** Processes and threads per replica or build (fork fails beyond it). */
  readonly pids: number;
  /** Processes and threads of the whole submission. */
  readonly totalPids: number;
  /** CPUs' worth of time the whole submission may use (a CFS quota). */
  readonly cpus: number;
  /** Size of the writable disk (target copy, home, /tmp), in MiB. */
  readonly diskMiB: number;
  /** Open files per process (RLIMIT_NOFILE). */
  readonly openFiles: number;
}

/** Everything a worker thread needs to start sandboxed processes; plain data (structured-clonable). */
export interface SandboxSpec {
  readonly tools: SandboxTools;
  /** Uid and gid the submission runs as (no account has it; rootless: one of the user's subordinate ids). */
  readonly uid: number;
  /** Directory (a tmpfs of diskMiB) holding `target/`, `home/` and `tmp/`, in the mounts the sandbox starts in. */
  readonly root: string;
  /** Where the grader sees `root` (rootless: through the user namespace's /proc/PID/root). */
  readonly hostRoot: string;
  /** Rootless: the argv prefix that enters the user namespace holding the disk (nsenter). */
  readonly enter?: readonly string[];
  /** Rootless: the holder of that namespace, and the namespace (/proc/PID/ns/user) it held when made. */
  readonly holder?: { readonly pid: number; readonly userNamespace: string };
  /** Where the target copy appears inside the sandbox: the original target's path. */
  readonly targetDir: string;
  /** The submission's cgroup; each process gets a child cgroup of its own. */
  readonly cgroup: CgroupDirs;
  readonly limits: SandboxLimits;
  /** Host paths bound read-only at the same path: toolchains and the target's dependencies. */
  readonly readOnly: readonly string[];
}

/** How a sandboxed process reaches the network. */
export type SandboxNetwork =
  /** Replicas: only these 127.0.0.1 ports of the host (Kafka, PostgreSQL or its proxy). */
  | { readonly kind: 'ports'; readonly ports: readonly number[] }
  /** Builds: the internet (package registries), never the host's loopback. */
  | { readonly kind: 'egress' };

/** The file descriptor bwrap reports the sandbox's start and the command's exit code on. */
export const STATUS_FD = 3;

// Runs as root in a private mount namespace: binds a usable tun node (if any), joins the
// process's cgroups, then becomes the rest of the command line.
const JOIN_SCRIPT = 'set -e; tun=$1; shift; if [ -n "$tun" ]; then mount --bind "$tun" /dev/net/tun; fi; while [ "$1" != -- ]; do echo $$ > "$1"; shift; done; shift; exec "$@"';

// In pasta's namespaces (root of its user namespace, pid 1 of its pid namespace): a /proc of that
// pid namespace. bwrap reads /proc/<its child's pid>/ns; with the outer /proc that pid is another
// process (kthreadd on a host) or none at all (in a container: "open /proc/2/ns failed").
const PROC_SCRIPT = 'mount -t proc proc /proc && exec "$@"';

/** Top-level directories of a merged-/usr system: symlinks are recreated, real dirs bound. */
const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

function systemDirArgs(): string[] {
  return SYSTEM_DIRS.flatMap((dir) => {
    try {
      const info = lstatSync(dir);
      if (info.isSymbolicLink()) return ['--symlink', readlinkSync(dir), dir];
      return info.isDirectory() ? ['--ro-bind', dir, dir] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The argv that starts `command` contained: (rootless: nsenter into the user namespace) → unshare (private mounts) → sh (cgroups) → prlimit
 * (open files, no core dumps) → setpriv (the submission's uid, no groups) → pasta (a network
 * namespace with only what `network` allows) → unshare + sh (a /proc of pasta's pid namespace)
 * → bwrap (user, pid, mount, ipc and uts namespaces;
 * a filesystem of read-only toolchains plus the writable target copy, home and /tmp).
 */
export function sandboxArgv(spec: SandboxSpec, options: { network: SandboxNetwork; procsFiles: readonly string[]; command: readonly string[] }): string[] {
  const { tools, limits } = spec;
  const pasta =
    options.network.kind === 'egress'
      ? ['--config-net', '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none']
      : ['-t', 'none', '-u', 'none', '-U', 'none', '-T', options.network.ports.length > 0 ? [...new Set(options.network.ports)].join(',') : 'none'];
  const bwrap = [
    '--unshare-all',
    '--share-net',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
    ...systemDirArgs(),
    '--ro-bind',
    '/etc',
    '/etc',
    '--ro-bind-try',
    '/opt',
    '/opt',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/dev/shm',
    '--bind',
    `${spec.root}/tmp`,
    '/tmp',
    '--bind',
    `${spec.root}/home`,
    '/root',
    ...spec.readOnly.flatMap((path) => ['--ro-bind', path, path]),
    '--bind',
    `${spec.root}/target`,
    spec.targetDir,
    // The skeleton bwrap builds the mounts in stays read-only: writes go to the capped disk.
    '--remount-ro',
    '/',
    '--chdir',
    spec.targetDir,
    '--json-status-fd',
    String(STATUS_FD),
  ];
  // A shell script in a mount namespace of its own, then the rest of the command line.
  const inPrivateMounts = (script: string, name: string): string[] => [tools.unshare, '--mount', '--propagation', 'private', '--', tools.sh, '-c', script, name];
  return [
    ...(spec.enter ?? []),
    ...inPrivateMounts(JOIN_SCRIPT, 'sandbox-join'),
    tools.tunNode ?? '',
    ...options.procsFiles,
    '--',
    tools.prlimit,
    `--nofile=${limits.openFiles}:${limits.openFiles}`,
    '--core=0:0',
    '--',
    tools.setpriv,
    `--reuid=${spec.uid}`,
    `--regid=${spec.uid}`,
    '--clear-groups',
    '--',
    tools.pasta,
    '-q',
    '-f',
    '--no-map-gw',
    ...pasta,
    '--',
    ...inPrivateMounts(PROC_SCRIPT, 'sandbox-proc'),
    tools.bwrap,
    ...bwrap,
    '--',
    ...options.command,
  ];
}
