import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { InfraLogger } from '../infra/infra.ts';
import { parseMounts } from './cgroup.ts';

/** True in a container (Docker, Podman, a Kubernetes pod): its /dev, /proc and cgroup mounts are its own. */
export function inContainer(): boolean {
  return existsSync('/.dockerenv') || existsSync('/run/.containerenv') || process.env.KUBERNETES_SERVICE_HOST !== undefined || process.env.container !== undefined;
}

/** Where the grader mounts a procfs of its own in a container whose /proc is masked. */
export const VISIBLE_PROC = '/run/inventory-grader/proc';

function run(argv: string[]): string | undefined {
  const result = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n')[0];
}

/**
 * Container runtimes give no /dev/net/tun unless asked (docker run --device), but their device
 * rules allow the tun device (c 10:200) and root may make the node in the container's own /dev.
 * Returns why it could not, if it could not.
 */
export function makeTunDevice(logger: InfraLogger): string | undefined {
  mkdirSync('/dev/net', { recursive: true });
  const failed = run(['mknod', '-m', '0666', '/dev/net/tun', 'c', '10', '200']);
  if (!failed) logger.info("made /dev/net/tun in the container's /dev (c 10:200) for pasta");
  return failed;
}

/**
 * A container's /proc has paths masked by mounts over them, and the kernel then refuses a new
 * procfs in a user namespace (pasta's, bwrap's) unless a fully visible one is mounted somewhere
 * in the mount namespace. With SYS_ADMIN, root may mount one: the same allowance as
 * `--security-opt systempaths=unconfined`, without unmasking the container's own /proc. It stays
 * for the container's lifetime (a mount in its own namespace). Returns why it could not.
 */
export function ensureVisibleProc(logger: InfraLogger): string | undefined {
  if (!needsVisibleProc(readFileSync('/proc/self/mountinfo', 'utf8'))) return undefined;
  mkdirSync(VISIBLE_PROC, { recursive: true });
  const failed = run(['mount', '-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', VISIBLE_PROC]);
  if (!failed) logger.info(`mounted a procfs at ${VISIBLE_PROC}: this container's /proc is masked, and the sandbox's namespaces need a visible one to mount their own`);
  return failed;
}

/** True if /proc has mounts over some of its paths and no other procfs is mounted uncovered. */
export function needsVisibleProc(mountinfo: string): boolean {
  const mounts = parseMounts(mountinfo);
  if (!mounts.some((m) => m.point.startsWith('/proc/'))) return false;
  const covered = (point: string): boolean => mounts.some((m) => m.point.startsWith(`${point}/`));
  // A whole procfs (its root, not a bind of one of its subdirectories) with nothing over it.
  return !mounts.some((m) => m.fstype === 'proc' && m.root === '/' && m.point !== '/proc' && !covered(m.point));
}
