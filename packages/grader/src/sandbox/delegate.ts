import { spawnSync } from 'node:child_process';
import { existsSync, lchownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraderError } from '../errors/grader-error.ts';
import { ownCgroupDirs, ownUnifiedDir } from './cgroup.ts';
import { delegatedGroupName } from './cgroup-root.ts';
import { readOr, subordinateRange } from './user-namespace.ts';

/** The drop-in that has systemd delegate cpu (and cpuset, io) to this one user's manager (runc's docs/cgroup-v2.md shows it for all). */
export const userDropIn = (uid: number): string => `/etc/systemd/system/user@${uid}.service.d/inventory-grader-delegate.conf`;

/** Host uids root-mode sandboxes (and their probe) run as: never handed out as subordinate ids. */
const SANDBOX_UIDS = [0x2ffff, 0x3ffff] as const;

/** The smallest range the grader accepts (sandbox-tools.ts): it draws a submission's uid from 1000 up. */
export const MIN_SUBORDINATE_IDS = 2000;

/** Subordinate ids handed to a user that has none: 65536, as useradd gives, above every range taken. */
const SUBORDINATE_COUNT = 65536;

/** What `grader sandbox delegate` did or found, one line each; `warnings` need the admin. */
export interface DelegateReport {
  readonly done: string[];
  readonly warnings: string[];
}

interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function run(argv: string[]): { ok: boolean; said: string } {
  const result = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  return { ok: result.status === 0, said: (result.stderr || result.error?.message || '').trim().split('\n')[0] ?? '' };
}

function account(user: string): Account {
  const line = (spawnSync('getent', ['passwd', user], { encoding: 'utf8' }).stdout ?? '').trim();
  const [name, , uid, gid] = line.split(':');
  if (!name || uid === undefined || gid === undefined) throw new GraderError('USAGE', `no user named ${user} on this host`, 'name an existing account: --user <name>');
  return { name, uid: Number(uid), gid: Number(gid) };
}

/**
 * A range of 65536 ids above every range /etc/subuid and /etc/subgid hand out, from 100000, that
 * holds no account's uid and none of the uids root-mode sandboxes run as.
 */
export function freeRange(subordinateFiles: readonly string[], accountUids: readonly number[]): number {
  let start = 100_000;
  for (const text of subordinateFiles) {
    for (const line of text.split('\n')) {
      const [, first, count] = line.split(':');
      if (Number(count) > 0) start = Math.max(start, Number(first) + Number(count));
    }
  }
  const taken: (readonly [number, number])[] = [SANDBOX_UIDS, ...accountUids.map((uid) => [uid, uid] as const)];
  for (;;) {
    const end = start + SUBORDINATE_COUNT - 1;
    const clash = taken.find(([low, high]) => low <= end && high >= start);
    if (!clash) return start;
    start = clash[1] + 1;
  }
}

function accountUids(): number[] {
  const text = spawnSync('getent', ['passwd'], { encoding: 'utf8' }).stdout ?? '';
  return text.split('\n').map((line) => Number(line.split(':')[2])).filter((uid) => Number.isInteger(uid));
}

function subordinateIds(who: Account, report: DelegateReport): void {
  const range = (file: string): ReturnType<typeof subordinateRange> => subordinateRange(readOr(file), who.name, who.uid);
  const [uids, gids] = [range('/etc/subuid'), range('/etc/subgid')];
  if (uids && gids) {
    if (Math.min(uids.count, gids.count) < MIN_SUBORDINATE_IDS) {
      throw new GraderError('SANDBOX_UNAVAILABLE', `${who.name}'s subordinate ranges are too small (${uids.count} uids, ${gids.count} gids; ${MIN_SUBORDINATE_IDS} at least)`, `widen them in /etc/subuid and /etc/subgid (usermod --add-subuids, --add-subgids)`);
    }
    report.done.push(`${who.name} has subordinate uids and gids already (/etc/subuid, /etc/subgid)`);
  } else {
    const start = freeRange([readOr('/etc/subuid'), readOr('/etc/subgid')], accountUids());
    const ids = `${start}-${start + SUBORDINATE_COUNT - 1}`;
    const added = run(['usermod', ...(uids ? [] : ['--add-subuids', ids]), ...(gids ? [] : ['--add-subgids', ids]), who.name]);
    if (!added.ok) throw new GraderError('SANDBOX_UNAVAILABLE', `could not give ${who.name} subordinate ids ${ids}: ${added.said}`, `add a line "${who.name}:${start}:${SUBORDINATE_COUNT}" to /etc/subuid and /etc/subgid`);
    report.done.push(`gave ${who.name} the subordinate uids and gids ${ids} (usermod)`);
  }
  for (const helper of ['/usr/bin/newuidmap', '/usr/bin/newgidmap']) {
    if (existsSync(helper)) continue;
    const installed = existsSync('/usr/bin/apt-get') && run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'uidmap']).ok;
    if (installed) report.done.push('installed newuidmap and newgidmap (Debian package uidmap)');
    else report.warnings.push(`${helper} is missing: install the package that has it (uidmap on Debian and Ubuntu, shadow-utils elsewhere)`);
    break;
  }
}

function userNamespaces(report: DelegateReport): void {
  if (readOr('/proc/sys/user/max_user_namespaces').trim() === '0') report.warnings.push('user namespaces are off (user.max_user_namespaces = 0): sysctl -w user.max_user_namespaces=15000');
  if (readOr('/proc/sys/kernel/unprivileged_userns_clone').trim() === '0') report.warnings.push('unprivileged user namespaces are off: sysctl -w kernel.unprivileged_userns_clone=1');
  try {
    if ((statSync('/dev/net/tun').mode & 0o006) !== 0o006) report.warnings.push('/dev/net/tun is not usable by all users, and pasta opens it as the grader\'s user: chmod 0666 /dev/net/tun (udev makes it so on most distributions)');
  } catch {
    report.warnings.push('/dev/net/tun is missing: modprobe tun');
  }
  if (readOr('/proc/sys/kernel/apparmor_restrict_unprivileged_userns').trim() === '1') {
    report.warnings.push('AppArmor restricts unprivileged user namespaces (Ubuntu 23.10+): sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for bwrap, unshare and pasta');
  }
}

/** cgroup v1: a `inventory-grader.<user>` group in each of the memory, pids and cpu hierarchies, below root's own, owned by the user. */
function cgroupsV1(who: Account, dirs: Record<string, string>, report: DelegateReport): void {
  for (const [controller, parent] of Object.entries(dirs)) {
    const dir = join(parent, delegatedGroupName(who.name));
    try {
      mkdirSync(dir, { recursive: true });
      // The directory (to make children) and the files that move processes into it.
      for (const path of [dir, join(dir, 'cgroup.procs'), join(dir, 'tasks')]) if (existsSync(path)) lchownSync(path, who.uid, who.gid);
    } catch (error) {
      throw new GraderError('SANDBOX_UNAVAILABLE', `could not hand ${dir} over to ${who.name}: ${(error as Error).message}`, 'run it as root on the host (a container needs its cgroup mounts writable)');
    }
    report.done.push(`${controller}: ${dir} belongs to ${who.name}`);
  }
}

/** cgroup v2 under systemd: the drop-in that delegates cpu too, and lingering so the manager runs without a login. */
function cgroupsV2(who: Account, report: DelegateReport): void {
  if (!existsSync('/run/systemd/system')) {
    throw new GraderError(
      'SANDBOX_UNAVAILABLE',
      'cgroup v2 without systemd: there is no manager to delegate a group to the user',
      `start the grader as ${who.name} inside a cgroup v2 group it owns with memory, pids and cpu enabled (a container run as that user with its cgroup delegated), or run it as root`,
    );
  }
  const dropIn = userDropIn(who.uid);
  const content = `# Written by \`grader sandbox delegate --user ${who.name}\`: its manager may enable these controllers for its scopes.\n[Service]\nDelegate=cpu cpuset io memory pids\n`;
  if (readOr(dropIn) !== content) {
    mkdirSync(join(dropIn, '..'), { recursive: true });
    writeFileSync(dropIn, content);
    const reload = run(['systemctl', 'daemon-reload']);
    if (!reload.ok) report.warnings.push(`systemctl daemon-reload failed (${reload.said}): run it before ${who.name}'s next login`);
    report.done.push(`wrote ${dropIn} (Delegate=cpu cpuset io memory pids); ${who.name}'s manager picks it up when it next starts (log out and in, or systemctl restart user@${who.uid}.service)`);
  } else {
    report.done.push(`${dropIn} is in place already`);
  }
  report.done.push(`${who.name} then grades in a delegated scope of its manager: systemd-run --user --scope -p Delegate=yes pnpm grader ...`);
  const linger = run(['loginctl', 'enable-linger', who.name]);
  if (linger.ok) report.done.push(`${who.name}'s systemd manager runs without a login (loginctl enable-linger)`);
  else report.warnings.push(`loginctl enable-linger ${who.name} failed (${linger.said}): the grader then needs ${who.name} to be logged in`);
}

/**
 * The one-time set-up, run as root, after which `user` can grade contained without root:
 * subordinate ids (a uid per submission), cgroups it may create, and a check of the kernel's
 * user namespace settings. Idempotent.
 */
export function delegateSandbox(user: string): DelegateReport {
  if (process.getuid?.() !== 0) throw new GraderError('USAGE', 'grader sandbox delegate changes /etc/subuid and cgroups: it must run as root', `sudo grader sandbox delegate --user ${user}`);
  const who = account(user);
  if (who.uid === 0) throw new GraderError('USAGE', 'root needs no delegation: the grader as root contains targets itself', 'name the unprivileged account that will run the grader');
  const report: DelegateReport = { done: [], warnings: [] };
  subordinateIds(who, report);
  userNamespaces(report);
  const v1 = ownCgroupDirs();
  if (v1) cgroupsV1(who, v1, report);
  else if (ownUnifiedDir()) cgroupsV2(who, report);
  else throw new GraderError('SANDBOX_UNAVAILABLE', 'no cgroup v1 hierarchy with memory, pids and cpu, and no cgroup v2 mount', 'mount cgroup2 at /sys/fs/cgroup');
  return report;
}
