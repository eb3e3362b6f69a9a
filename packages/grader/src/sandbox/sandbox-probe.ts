import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxArgv, type SandboxLimits } from './sandbox-command.ts';
import type { SandboxTools } from './sandbox-tools.ts';

/** The uid the probe runs as: just below the sandboxes' range (sandbox.ts), so never a running submission's. */
const PROBE_UID = 0x2ffff;

const PROBE_LIMITS: SandboxLimits = { memoryMiB: 256, totalMemoryMiB: 256, pids: 64, totalPids: 64, cpus: 1, diskMiB: 16, openFiles: 256 };

/** What a failed chain printed, mapped to the set-up that fixes it. */
const FIXES: readonly (readonly [RegExp, string])[] = [
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
export function probeSandbox(tools: SandboxTools): { what: string; hint: string } | undefined {
  const key = JSON.stringify(tools);
  if (proven === key) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'grader-sandbox-probe-'));
  try {
    chmodSync(root, 0o755);
    for (const dir of ['target', 'home', 'tmp']) {
      mkdirSync(join(root, dir));
      chownSync(join(root, dir), PROBE_UID, PROBE_UID);
    }
    const spec = { tools, uid: PROBE_UID, root, targetDir: join(root, 'target'), cgroup: tools.cgroupRoot.dirs, limits: PROBE_LIMITS, readOnly: [] };
    const [command, ...args] = sandboxArgv(spec, { network: { kind: 'ports', ports: [] }, procsFiles: [], command: ['true'] });
    // Generous: a user-mode Linux guest starts processes about 20 times slower than a host.
    const run = spawnSync(command as string, args, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 60_000, encoding: 'utf8' });
    if (run.status === 0) {
      proven = key;
      return undefined;
    }
    // pasta also complains that it has no syslog to write to: noise, not the cause.
    const said = `${run.stderr ?? ''}${run.stdout ?? ''}`.split('\n').filter((line) => line.trim() && !/syslog/.test(line));
    const fix = FIXES.find(([pattern]) => said.some((line) => pattern.test(line)));
    const cause = (fix && said.find((line) => fix[0].test(line))) ?? said[0] ?? (run.error ? run.error.message : `exit code ${run.status ?? run.signal}`);
    return { what: `a probe of the sandbox (bwrap under pasta, as uid ${PROBE_UID}) failed: ${cause.trim().slice(0, 300)}`, hint: fix?.[1] ?? 'README "Security model" lists what the sandbox needs' };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
