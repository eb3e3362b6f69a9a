import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/infra/infra.ts';
import { cgroupRoot } from '../../src/sandbox/cgroup-root.ts';
import { ownSubordinateIds } from '../../src/sandbox/user-namespace.ts';

/** The host uids sandboxes run as: sandbox.ts's range as root, the user's subordinate uids without root. */
function sandboxUids(): [number, number] {
  if (process.getuid?.() === 0) return [0x30000, 0x3ffff];
  const range = ownSubordinateIds()?.uids;
  return range ? [range.start, range.start + range.count - 1] : [1, 0];
}

const rootlessUser = (): string | undefined => (process.getuid?.() === 0 ? undefined : userInfo().username);

/** Pids (other than ours) whose environment contains `marker`: everything a child spawned inherits it. */
export function processesWithEnvMarker(marker: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      found.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 160) });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Polls until `check` returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Live processes running as a sandbox's uid (the range sandbox.ts picks from), with their command lines. */
export function sandboxedProcesses(): { pid: number; uid: number; cmd: string }[] {
  const found: { pid: number; uid: number; cmd: string }[] = [];
  const [low, high] = sandboxUids();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid < low || uid > high || /^State:\s+Z/m.test(status)) continue;
      found.push({ pid: Number(entry), uid, cmd: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 160) });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** What a sandbox could leave behind: processes of a sandbox uid, cgroups, mounts, disks under `tmp`. */
export function sandboxLeftovers(tmp: string = tmpdir()): string[] {
  const found = sandboxedProcesses().map((p) => `process ${p.pid} of uid ${p.uid} (${p.cmd})`);
  for (const dir of Object.values<string>(cgroupRoot(silentLogger, undefined, undefined, rootlessUser()).dirs)) {
    for (const name of readdirSync(dir)) if (name.startsWith('grader-')) found.push(`cgroup ${join(dir, name)}`);
  }
  if (rootlessUser()) found.push(...namespaceHolders().map((pid) => `the holder ${pid} of a rootless sandbox's user namespace`));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  if (mounts.includes('grader-sandbox')) found.push('a grader-sandbox mount');
  if (mounts.includes('grader-go-cache')) found.push('a grader-go-cache overlay');
  for (const name of readdirSync(tmp)) if (name.startsWith('grader-sandbox-')) found.push(`dir ${join(tmp, name)}`);
  return found;
}

/** Rootless: processes of this user in a user namespace other than ours (a sandbox's holder, or what runs in it). */
function namespaceHolders(): number[] {
  const own = readlinkSync('/proc/self/ns/user');
  const uid = process.getuid?.();
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid || /^State:\s+Z/m.test(status)) return [];
      return readlinkSync(`/proc/${entry}/ns/user`) === own ? [] : [Number(entry)];
    } catch {
      return [];
    }
  });
}
