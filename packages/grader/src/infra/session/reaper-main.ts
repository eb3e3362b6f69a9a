// The watchdog process started by startReaper(): argv = <session file> <owner pid>.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive } from './cleanup.ts';
import { SessionRegistry } from './session-registry.ts';

const [sessionPath, ownerArg] = process.argv.slice(2);
const ownerPid = Number(ownerArg);
if (!sessionPath || !Number.isInteger(ownerPid)) process.exit(2);

const timer = setInterval(() => {
  if (!existsSync(sessionPath)) {
    clearInterval(timer);
    return;
  }
  if (isAlive(ownerPid)) return;
  clearInterval(timer);
  // Every session of the dead owner: its infrastructure and the target replicas it started.
  new SessionRegistry(dirname(dirname(sessionPath))).closeOwnedSync(ownerPid);
}, 200);
