import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxArgv, type SandboxLimits } from './sandbox-command.ts';
import type { SandboxTools } from './sandbox-tools.ts';
import { UserNamespace } from './user-namespace.ts';
import { Cgroup } from './cgroup.ts';
import { randomBytes } from 'node:crypto';
import { ensureReaper } from '../infra/session/reaper.ts';
import { SessionRegistry } from '../infra/session/session-registry.ts';

/** The uid the probe runs as: just below the sandboxes' range (sandbox.ts), so never a running submission's. */
const PROBE_UID = 0x2ffff;
/** Rootless: the uid in the probe's own user namespace (sandboxes draw theirs from 1000 up). */
const PROBE_SUBORDINATE_UID = 999;

const PROBE_LIMITS: SandboxLimits = { memoryMiB: 256, totalMemoryMiB: 256, pids: 64, totalPids: 64, cpus: 1, diskMiB: 16, openFiles: 256 };

/** What a failed chain printed, mapped to the set-up that fixes it. */
const FIXES: readonly (readonly [RegExp, string])[] = [
  [/newuidmap|newgidmap|uid_map|gid_map/, 'newuidmap refused to map the subordinate ids: they must be listed for this user in /etc/subuid and /etc/subgid, and newuidmap must be setuid root (Debian package uidmap); run once as root: grader sandbox delegate --user <you>'],
  [/setting up uid map: Permission denied|apparmor/i, 'unprivileged user namespaces are restricted by AppArmor (Ubuntu 23.10+): sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for bwrap and pasta'],
  [/pivot_root/, "a seccomp profile refuses pivot_root: in Docker, --security-opt seccomp=docker/seccomp-sandbox.json (Docker's default profile plus pivot_root)"],
  [/[Cc]ouldn'?t create user namespace|No permissions to create new namespace|unshare.*Operation not permitted|clone.*Operation not permitted/, 'user namespaces are refused: sysctl user.max_user_namespaces > 0 (and kernel.unprivileged_userns_clone=1 where it exists); in Docker, --cap-add SYS_ADMIN and the seccomp profile docker/seccomp-sandbox.json'],
  [/mount.*proc|proc.*mount|Can't mount proc/i, "the kernel refuses a new /proc while this one is masked (a container's) and the grader could not mount a visible one (it needs SYS_ADMIN): docker run --cap-add SYS_ADMIN, or --security-opt systempaths=unconfined"],
  [/\/dev\/net\/tun|\btun\b/, 'pasta cannot open /dev/net/tun: in Docker, --device /dev/net/tun'],
];

let proven: string | undefined;

/**
 * Runs `true` through the whole chain a target runs through (unshare, prlimit, setpriv, pasta,
 * bwrap), once per process and set of tools: a host or container that cannot contain targets is
 * told so before anything is built, with the set-up that fixes it. Returns undefined when it
 * worked, else one line naming what failed and a hint.
 */
export function probeSandbox(tools: SandboxTools, registry: SessionRegistry = new SessionRegistry()): { what: string; hint: string } | undefined {
  const key = JSON.stringify(tools);
  if (proven === key) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'grader-sandbox-probe-'));
  const session = tools.rootless ? registry.create('sandbox') : undefined;
  let run: SpawnSyncReturns<string> | undefined;
  let uid = PROBE_UID;
  let namespace: UserNamespace | undefined;
  let cgroup: Cgroup | undefined;
  try {
    chmodSync(root, 0o755);
    const dirs = ['target', 'home', 'tmp'].map((dir) => join(root, dir));
    for (const dir of dirs) mkdirSync(dir);
    let enter: readonly string[] | undefined;
    try {
      if (session) {
        ensureReaper(session.path);
        namespace = UserNamespace.start(session, tools);
        uid = PROBE_SUBORDINATE_UID;
        namespace.exec(['chown', `${uid}:${uid}`, ...dirs]);
        enter = namespace.enter;
      } else {
        for (const dir of dirs) chownSync(dir, uid, uid);
      }
    } catch (error) {
      const said = ((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim();
      return explain(said.split('\n'), undefined, 'a user namespace for the sandbox could not be made');
    }
    // A group of its own, joined as every sandboxed process joins one (v2 refuses a move it may not make).
    cgroup = Cgroup.create(tools.cgroupRoot.dirs, `grader-probe-${randomBytes(4).toString('hex')}`, {});
    const spec = { tools, uid, root, hostRoot: root, ...(enter ? { enter } : {}), targetDir: join(root, 'target'), cgroup: cgroup.dirs, limits: PROBE_LIMITS, readOnly: [] };
    const [command, ...args] = sandboxArgv(spec, { network: { kind: 'ports', ports: [] }, procsFiles: cgroup.procsFiles, command: ['true'] });
    // Generous: a user-mode Linux guest starts processes about 20 times slower than a host.
    run = spawnSync(command as string, args, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 60_000, encoding: 'utf8' });
    if (run.status === 0) {
      proven = key;
      return undefined;
    }
    // pasta also complains that it has no syslog to write to: noise, not the cause.
    const said = `${run.stderr ?? ''}${run.stdout ?? ''}`.split('\n');
    return explain(said, run, `a probe of the sandbox (bwrap under pasta, as uid ${uid}${tools.rootless ? ' of a user namespace' : ''}) failed`);
  } finally {
    // What bwrap made in the probe's dirs belongs to a subordinate uid only the namespace's root may remove.
    try {
      namespace?.exec(['rm', '-rf', join(root, 'target'), join(root, 'home'), join(root, 'tmp')]);
    } catch {
      // The rmSync below says what is left.
    }
    cgroup?.destroySync(2_000);
    session?.closeSync();
    rmSync(root, { recursive: true, force: true });
  }
}

/** One line naming what failed (the line of `said` a fix knows, else the first), and the fix. */
function explain(said: readonly string[], run: SpawnSyncReturns<string> | undefined, what: string): { what: string; hint: string } {
  const lines = said.filter((line) => line.trim() && !/syslog/.test(line));
  const fix = FIXES.find(([pattern]) => lines.some((line) => pattern.test(line)));
  const cause = (fix && lines.find((line) => fix[0].test(line))) ?? lines[0] ?? (run?.error ? run.error.message : `exit code ${run?.status ?? run?.signal}`);
  return { what: `${what}: ${cause.trim().slice(0, 300)}`, hint: fix?.[1] ?? 'docs/security.md lists what the sandbox needs' };
}
