// The watchdog started by startContainerReaper(): argv = <session id> <owner pid>.
import Dockerode from 'dockerode';
import { readFileSync } from 'node:fs';
import { SESSION_LABEL } from './labels.ts';
import { removeContainer } from './remove-container.ts';

const [sessionId, ownerArg] = process.argv.slice(2);
const ownerPid = Number(ownerArg);
if (!sessionId || !Number.isInteger(ownerPid) || ownerPid <= 0) process.exit(2);

/** The owner's start time (field 22 of /proc/<pid>/stat), so a reused pid does not count as the owner. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerAlive(): boolean {
  try {
    process.kill(ownerPid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return ownerStart === undefined || startTime(ownerPid) === ownerStart;
}

const ownerStart = startTime(ownerPid);
const docker = new Dockerode();
const ours = () => docker.listContainers({ all: true, filters: { label: [`${SESSION_LABEL}=${sessionId}`] } });
let seen = false;

const timer = setInterval(() => {
  void (async () => {
    if (ownerAlive()) {
      try {
        const count = (await ours()).length;
        if (count > 0) seen = true;
        // The owner removed its containers itself (a normal stop): nothing left to watch.
        else if (seen) process.exit(0);
      } catch {
        // The engine is busy or restarting: look again on the next tick.
      }
      return;
    }
    clearInterval(timer);
    // Twice: a container the owner was creating when it died appears a moment later.
    for (let round = 0; round < 2; round++) {
      try {
        await Promise.all((await ours()).map((c) => removeContainer(docker, c.Id).catch(() => undefined)));
      } catch {
        // Engine gone: the next grader start sweeps what is left.
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    process.exit(0);
  })();
}, 500);
