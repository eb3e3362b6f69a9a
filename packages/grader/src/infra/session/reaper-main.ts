// The watchdog process started by startReaper(): argv = <session file> <owner pid>.
import { existsSync, rmSync } from 'node:fs';
import { cleanupSessionSync, isAlive } from './cleanup.ts';
import { readSessionRecord } from './session-file.ts';

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
  const record = readSessionRecord(sessionPath);
  if (record) cleanupSessionSync(record);
  rmSync(sessionPath, { force: true });
}, 200);
