// Run by cgroup-v2.int.test.ts inside a systemd scope with Delegate=yes: takes its own group the
// way the grader does where there is no systemd (a container), then runs a memory hog in a group
// nested beside it. Prints one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { silentLogger } from '../../src/infra/infra.ts';
import { Cgroup } from '../../src/sandbox/cgroup.ts';
import { cgroupRoot } from '../../src/sandbox/cgroup-root.ts';

const MiB = 1024 * 1024;
const root = cgroupRoot(silentLogger, undefined, { mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'), cgroups: readFileSync('/proc/self/cgroup', 'utf8'), systemd: false, container: false });
const group = Cgroup.create(root.dirs, 'grader-own-group-test', { memoryBytes: 512 * MiB, pids: 128, cpus: 1 });
const leaf = Cgroup.create(group.dirs, 'hog', { memoryBytes: 96 * MiB, pids: 32 });
const hog = spawnSync('sh', ['-c', `echo $$ > ${leaf.procsFiles[0]} && exec "$0" -e 'const kept = []; for (;;) kept.push(Buffer.alloc(8 << 20, 1));'`, process.execPath], { encoding: 'utf8', timeout: 120_000 });
const events = leaf.events();
const destroyed = group.destroySync(10_000);
console.log(JSON.stringify({
  backend: root.backend,
  ownGroup: /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1],
  subtreeControl: readFileSync(`${(root.dirs as { unified: string }).unified}/cgroup.subtree_control`, 'utf8').trim(),
  hogSignal: hog.signal,
  events,
  destroyed: destroyed && !existsSync((group.dirs as { unified: string }).unified),
}));
