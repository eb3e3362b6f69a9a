import { describe, expect, it } from 'vitest';
import { sandboxArgv, STATUS_FD, type SandboxSpec } from './sandbox-command.ts';

const spec: SandboxSpec = {
  tools: {
    sh: '/bin/sh',
    unshare: '/usr/bin/unshare',
    prlimit: '/usr/bin/prlimit',
    setpriv: '/usr/bin/setpriv',
    pasta: '/usr/bin/pasta',
    bwrap: '/usr/bin/bwrap',
    nsenter: '/usr/bin/nsenter',
    tunNode: '/cache/sandbox/tun',
    cgroupRoot: { version: 1, dirs: { memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids', cpu: '/sys/fs/cgroup/cpu' }, backend: 'cgroup v1' },
  },
  uid: 200123,
  root: '/tmp/grader-sandbox-x',
  hostRoot: '/tmp/grader-sandbox-x',
  targetDir: '/work/repo/packages/svc',
  cgroup: { memory: '/sys/fs/cgroup/memory/g', pids: '/sys/fs/cgroup/pids/g', cpu: '/sys/fs/cgroup/cpu/g' },
  limits: { memoryMiB: 2048, totalMemoryMiB: 6144, pids: 512, totalPids: 2048, cpus: 1.5, diskMiB: 1024, openFiles: 8192 },
  readOnly: ['/work/repo/node_modules'],
};
const procs = ['/sys/fs/cgroup/memory/g/p/cgroup.procs', '/sys/fs/cgroup/pids/g/p/cgroup.procs'];

/** The arguments between `program` and the next `--`. */
function argsOf(argv: string[], program: string): string[] {
  const start = argv.indexOf(program);
  return argv.slice(start + 1, argv.indexOf('--', start));
}

describe('sandboxArgv', () => {
  const argv = sandboxArgv(spec, { network: { kind: 'ports', ports: [9092, 5432, 9092] }, procsFiles: procs, command: ['node', 'main.js'] });

  it('chains unshare, the cgroup join, prlimit, setpriv, pasta and bwrap, then the command', () => {
    const order = ['/usr/bin/unshare', '/bin/sh', '/usr/bin/prlimit', '/usr/bin/setpriv', '/usr/bin/pasta', '/usr/bin/bwrap'].map((p) => argv.indexOf(p));
    // Between pasta and bwrap: a /proc of pasta's pid namespace, in a mount namespace of its own.
    const afterPasta = argv.slice(argv.indexOf('/usr/bin/pasta'));
    expect(afterPasta.slice(afterPasta.indexOf('--') + 1, afterPasta.indexOf('/usr/bin/bwrap'))).toEqual(['/usr/bin/unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount -t proc proc /proc && exec "$@"', 'sandbox-proc']);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(argv.slice(-3)).toEqual(['--', 'node', 'main.js']);
  });

  it('joins every cgroup given and binds the usable tun node, as root, before dropping privileges', () => {
    const join = argv.slice(argv.indexOf('/bin/sh'), argv.indexOf('/usr/bin/prlimit'));
    expect(join).toEqual(expect.arrayContaining([spec.tools.tunNode, ...procs]));
    expect(argsOf(argv, '/usr/bin/setpriv')).toEqual(['--reuid=200123', '--regid=200123', '--clear-groups']);
    expect(argsOf(argv, '/usr/bin/prlimit')).toEqual(['--nofile=8192:8192', '--core=0:0']);
  });

  it('forwards only the given ports to a replica, once each, with no outbound network', () => {
    const pasta = argsOf(argv, '/usr/bin/pasta');
    expect(pasta[pasta.indexOf('-T') + 1]).toBe('9092,5432');
    expect(pasta).not.toContain('--config-net');
    expect(pasta).toContain('--no-map-gw');
  });

  it('gives a build the internet but never the host loopback', () => {
    const build = sandboxArgv(spec, { network: { kind: 'egress' }, procsFiles: procs, command: ['npm', 'ci'] });
    const pasta = argsOf(build, '/usr/bin/pasta');
    expect(pasta).toContain('--config-net');
    expect(pasta).toContain('--no-map-gw');
    expect(pasta[pasta.indexOf('-T') + 1]).toBe('none');
  });

  it('shows the copy at the target path over the writable /tmp and home, read-only elsewhere', () => {
    const bwrap = argv.slice(argv.indexOf('/usr/bin/bwrap') + 1, argv.lastIndexOf('--'));
    const at = (flag: string, dest: string): number => bwrap.findIndex((v, i) => v === flag && bwrap[i + 2] === dest);
    expect(at('--bind', '/tmp')).toBeGreaterThan(-1);
    expect(at('--bind', '/root')).toBeGreaterThan(-1);
    expect(at('--ro-bind', '/work/repo/node_modules')).toBeGreaterThan(-1);
    expect(at('--bind', spec.targetDir)).toBeGreaterThan(at('--bind', '/tmp'));
    expect(bwrap[at('--bind', spec.targetDir) + 1]).toBe('/tmp/grader-sandbox-x/target');
    expect(bwrap).toEqual(expect.arrayContaining(['--unshare-all', '--share-net', '--die-with-parent', '--new-session']));
    expect(bwrap[bwrap.indexOf('--remount-ro') + 1]).toBe('/');
    expect(bwrap[bwrap.indexOf('--chdir') + 1]).toBe(spec.targetDir);
    expect(bwrap[bwrap.indexOf('--json-status-fd') + 1]).toBe(String(STATUS_FD));
  });

  it('rootless: enters the user namespace holding the disk first, and starts as usual in it', () => {
    const enter = ['/usr/bin/nsenter', '--target=4242', '--user', '--mount', '--'];
    const rootless = sandboxArgv({ ...spec, enter, uid: 1234 }, { network: { kind: 'egress' }, procsFiles: procs, command: ['true'] });
    expect(rootless.slice(0, enter.length)).toEqual(enter);
    expect(rootless[enter.length]).toBe('/usr/bin/unshare');
    expect(argsOf(rootless, '/usr/bin/setpriv')).toEqual(['--reuid=1234', '--regid=1234', '--clear-groups']);
    expect(argv[0]).toBe('/usr/bin/unshare');
  });

  it('binds no tun node when the host one is usable', () => {
    const { tunNode: _, ...tools } = spec.tools;
    const plain = sandboxArgv({ ...spec, tools }, { network: { kind: 'egress' }, procsFiles: procs, command: ['true'] });
    expect(plain[plain.indexOf('sandbox-join') + 1]).toBe('');
  });
});
