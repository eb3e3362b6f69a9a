import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the grader keeps things that outlive a run (Kafka jars, session files). Never in the repo. */
export function graderCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GRADER_CACHE_DIR) return env.GRADER_CACHE_DIR;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'inventory-grader');
}
