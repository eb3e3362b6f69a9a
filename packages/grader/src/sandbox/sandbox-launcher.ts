import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { LaunchFailure, type LaunchedProcess, type LaunchOptions, type ProcessLauncher } from '../target/launcher.ts';
import { Cgroup } from './cgroup.ts';
import { killAll } from './cgroup-fs.ts';
import { sandboxArgv, STATUS_FD, type SandboxSpec } from './sandbox-command.ts';
import { UserNamespace } from './user-namespace.ts';

const MiB = 1024 * 1024;

/** Variables of the grader's environment a target may see (locale, proxies, registry settings). */
const PASSED_THROUGH = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|SSL_CERT_(FILE|DIR)|NODE_EXTRA_CA_CERTS|GO(PROXY|SUMDB|NOSUMDB|PRIVATE|NOPROXY|FLAGS|TOOLCHAIN)|JAVA_HOME|PIP_(INDEX_URL|EXTRA_INDEX_URL)|npm_config_registry|NPM_CONFIG_REGISTRY)$/;

/** The whole environment of a sandboxed process: a fixed base, then the target's own variables. */
export function sandboxEnv(own: Readonly<Record<string, string>>, grader: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(grader)) if (value !== undefined && PASSED_THROUGH.test(name)) env[name] = value;
  return { ...env, HOME: '/root', USER: 'root', LOGNAME: 'root', TMPDIR: '/tmp', ...own };
}

/** Parent pid and command name of a process, from /proc (undefined once it is gone). */
function stat(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    return { comm: text.slice(open + 1, close), ppid: Number(text.slice(close + 2).split(' ')[1]) };
  } catch {
    return undefined;
  }
}

/**
 * The target's own processes in a sandbox started as `rootPid`: everything below bwrap's init
 * (the first bwrap below the root is bwrap's monitor, its bwrap child is the pid namespace's init).
 */
export function targetProcesses(rootPid: number, pids: readonly number[], statOf = stat): number[] {
  const children = new Map<number, number[]>();
  const comm = new Map<number, string>();
  for (const pid of pids) {
    const info = statOf(pid);
    if (!info) continue;
    comm.set(pid, info.comm);
    children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
  }
  const firstBwrapBelow = (pid: number): number | undefined => {
    const queue = [...(children.get(pid) ?? [])];
    while (queue.length > 0) {
      const next = queue.shift() as number;
      if (comm.get(next) === 'bwrap') return next;
      queue.push(...(children.get(next) ?? []));
    }
    return undefined;
  };
  const monitor = firstBwrapBelow(rootPid);
  const init = monitor === undefined ? undefined : (children.get(monitor) ?? []).find((p) => comm.get(p) === 'bwrap');
  if (init === undefined) return [];
  const found: number[] = [];
  const queue = [...(children.get(init) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** "disk limit of 1024 MiB reached" once the sandbox's disk has no space left. */
export function diskFull(spec: SandboxSpec): string | undefined {
  try {
    const { bavail, blocks } = statfsSync(spec.hostRoot);
    return blocks > 0 && bavail === 0 ? `disk limit of ${spec.limits.diskMiB} MiB reached` : undefined;
  } catch {
    return undefined;
  }
}

/** A limit of the whole submission (all its replicas and its build together) that was reached. */
export function submissionLimitHit(spec: SandboxSpec): string | undefined {
  const events = Cgroup.at(spec.cgroup).events();
  const hits: string[] = [];
  if (events.oomKills > 0 || events.limitOoms > 0) hits.push(`the submission's memory limit of ${spec.limits.totalMemoryMiB} MiB reached`);
  if (events.pidsMaxHits > 0) hits.push(`the submission's process limit of ${spec.limits.totalPids} reached`);
  return hits.length > 0 ? hits.join('; ') : undefined;
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/**
 * Starts target processes inside the submission's sandbox (see sandboxArgv): each in a cgroup of
 * its own below the submission's, with the per-process memory and process limits.
 */
export class SandboxLauncher implements ProcessLauncher {
  readonly sandboxed = true;

  constructor(private readonly spec: SandboxSpec) {}

  get targetDir(): string {
    return this.spec.targetDir;
  }

  launch(argv: readonly string[], options: LaunchOptions): LaunchedProcess {
    const { spec } = this;
    const { limits } = spec;
    // A pid that no longer holds the sandbox's namespace may be anything's: never nsenter it.
    if (spec.holder && !UserNamespace.holds(spec.holder)) throw new LaunchFailure(`the sandbox's user namespace is gone (its holder, pid ${spec.holder.pid}, exited)`);
    const cgroup = Cgroup.create(this.spec.cgroup, `${options.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${randomBytes(3).toString('hex')}`, {
      memoryBytes: limits.memoryMiB * MiB,
      pids: limits.pids,
      oomGroup: true,
    });
    const network = options.kind === 'build' || options.ports === undefined ? ({ kind: 'egress' } as const) : ({ kind: 'ports', ports: options.ports } as const);
    const [command, ...args] = sandboxArgv(this.spec, { network, procsFiles: cgroup.procsFiles, command: argv });
    const child = spawn(command as string, args, {
      cwd: '/',
      env: sandboxEnv(options.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let reportedExit: number | undefined;
    let released = false;
    const killEverything = (): void => killAll([...cgroup.pids(), ...(child.pid ? [child.pid] : [])]);
    // Once pasta has exited the sandbox is over; a helper pasta leaves behind when its set-up
    // fails would otherwise hold the output pipes open, and 'close' would never come.
    child.once('exit', killEverything);
    const started = new Promise<void>((resolve, reject) => {
      let status = '';
      const statusPipe = child.stdio[STATUS_FD] as Readable | undefined;
      statusPipe?.on('data', (chunk: Buffer) => {
        status += chunk.toString();
        if (/"child-pid"/.test(status)) resolve();
        const exit = /"exit-code":\s*(\d+)/.exec(status);
        if (exit) reportedExit = Number(exit[1]);
      });
      child.once('error', (error) => reject(new LaunchFailure(`could not spawn the sandbox: ${error.message}`)));
      child.once('close', (code) => {
        // Before bwrap reported the target's pid, only the sandbox's own set-up ran: its failure
        // is the grader's, unless the submission's processes had used up its limits.
        const hit = submissionLimitHit(spec);
        const message = `the sandbox did not start (exit code ${code}${hit ? `; ${hit}` : ''}); see the log for bwrap's or pasta's message`;
        reject(hit ? new Error(message) : new LaunchFailure(message));
      });
    });
    started.catch(() => undefined);
    return {
      child,
      started,
      signal(signal) {
        if (released) return;
        if (signal === 'SIGKILL') {
          killEverything();
          return;
        }
        if (child.pid === undefined) return;
        for (const pid of targetProcesses(child.pid, cgroup.pids())) {
          try {
            process.kill(pid, signal);
          } catch {
            // Already gone.
          }
        }
      },
      exitStatus(code, signal) {
        // bwrap exits with 128 + n when the target died of signal n; report it as that signal.
        const status = reportedExit ?? code;
        if (signal === null && status !== null && status > 128 && SIGNAL_NAMES.has(status - 128)) {
          return { code: null, signal: SIGNAL_NAMES.get(status - 128) ?? null };
        }
        return { code: status, signal };
      },
      limitHit() {
        const events = cgroup.events();
        const hits: string[] = [];
        // v2 tells whose limit ran out: this group's own (oom), or the submission's or the machine's.
        const ownLimit = cgroup.version === 1 || events.limitOoms > 0;
        if (events.oomKills > 0) hits.push(ownLimit ? `memory limit of ${limits.memoryMiB} MiB reached: the kernel killed ${events.oomKills} process(es)` : `the kernel's out-of-memory killer killed ${events.oomKills} process(es)`);
        if (events.pidsMaxHits > 0) hits.push(`process limit of ${limits.pids} reached: ${events.pidsMaxHits} fork(s) refused`);
        const disk = diskFull(spec);
        if (disk) hits.push(disk);
        const whole = submissionLimitHit(spec);
        if (whole) hits.push(whole);
        return hits.length > 0 ? hits.join('; ') : undefined;
      },
      release() {
        if (released) return;
        released = true;
        cgroup.destroySync(2_000);
      },
      processIds: () => (released ? [] : [...new Set([...(child.pid ? [child.pid] : []), ...cgroup.pids()])]),
      // The quota is the submission's (every replica together): its group's cpu.stat.
      throttledMs: () => {
        try {
          return Cgroup.at(spec.cgroup).cpuStats().throttledMicros / 1000;
        } catch {
          return 0;
        }
      },
    };
  }
}
