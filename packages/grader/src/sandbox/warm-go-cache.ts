import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { graderCacheDir } from '../infra/cache-dir.ts';
import type { InfraLogger } from '../infra/infra.ts';
import { buildTarget } from '../target/target-build.ts';
import { resolveTarget } from '../target/target-spec.ts';
import { GO_CACHE_MOUNTS, goCacheKey, type GoBuildCache } from './go-build-cache.ts';
import type { SandboxLimits } from './sandbox-command.ts';
import { Sandbox } from './sandbox.ts';

/** The task every Go submission starts from: its modules and compiled packages are public. */
const WARM_FROM = 'buggy-service-go';

/**
 * Returns the warm Go caches of this machine, building them first if needed: the exported Go
 * task is built in a sandbox of its own (as a submission's build is, same paths, so the cache's
 * keys match), and its module and build caches are copied out. Every Go submission's build then
 * finds the standard library (built with -race, about 75 CPU-seconds) and the task's modules
 * compiled; only its own packages are compiled. Built from the task only, never from a fix, so
 * the caches hold nothing a submission may not see. Undefined (and a warning) when it cannot be
 * built, e.g. offline: builds then start cold, as before.
 */
export function ensureGoBuildCache(logger: InfraLogger, limits?: SandboxLimits): Promise<GoBuildCache | undefined> {
  // One attempt per grader process: a batch of Go submissions on a machine that cannot warm
  // the cache (offline) does not pay for a failed warm-up per submission.
  warming ??= warm(logger, limits);
  return warming;
}

let warming: Promise<GoBuildCache | undefined> | undefined;

async function warm(logger: InfraLogger, limits?: SandboxLimits): Promise<GoBuildCache | undefined> {
  const task = resolveTarget(WARM_FROM);
  let key: string;
  try {
    const version = execFileSync('go', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    key = goCacheKey(version, readFileSync(join(task.dir, 'go.mod'), 'utf8'), readFileSync(join(task.dir, 'go.sum'), 'utf8'));
  } catch (error) {
    logger.warn(`no warm Go cache (${(error as Error).message.split('\n')[0]}); Go builds start cold`);
    return undefined;
  }
  // Only root may pass: the layers' directories are writable by anyone (see below).
  const parent = join(graderCacheDir(), 'go-cache');
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  chmodSync(parent, 0o700);
  const dir = join(parent, key);
  // overlayfs takes layers as a comma- and colon-separated option.
  if (/[,:]/.test(dir)) {
    logger.warn(`no warm Go cache: its path ${dir} holds ',' or ':', which a mount option cannot; Go builds start cold`);
    return undefined;
  }
  const cache: GoBuildCache = { build: join(dir, 'build'), mod: join(dir, 'mod') };
  if (existsSync(dir)) return cache;

  const started = Date.now();
  logger.info(`warming the Go build cache from ${WARM_FROM} (once per Go toolchain and task; about a minute)`);
  let sandbox;
  try {
    sandbox = new Sandbox({ target: task, logger, ...(limits ? { limits } : {}) }).start();
  } catch (error) {
    logger.warn(`could not warm the Go build cache: ${(error as Error).message}; Go builds start cold`);
    return undefined;
  }
  const home = join(sandbox.spec.hostRoot, 'home');
  const staging = join(parent, `${key}.${process.pid}.tmp`);
  try {
    const logFile = join(parent, `${key}.build.log`);
    const build = await buildTarget(task, sandbox.launcher, logFile);
    if (!build.ok) {
      logger.warn(`could not warm the Go build cache: ${build.reason ?? 'build failed'} (log ${logFile}); Go builds start cold`);
      return undefined;
    }
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { mode: 0o700 });
    cpSync(join(home, GO_CACHE_MOUNTS.build), join(staging, 'build'), { recursive: true });
    cpSync(join(home, GO_CACHE_MOUNTS.mod), join(staging, 'mod'), { recursive: true });
    // Overlay directories keep the lower layer's owner and mode; each sandbox has a uid of its
    // own, so a submission adding a module or a cache entry needs them writable by all (its
    // writes land in its own upper layer; the 0700 parent keeps other host users out).
    openDirectories(staging);
    chmodSync(staging, 0o700);
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another grader finished the same cache first: use its copy.
      if (!existsSync(dir)) throw error;
    }
    logger.info(`Go build cache warm in ${Math.round((Date.now() - started) / 1000)} s (${dir})`);
    return cache;
  } catch (error) {
    logger.warn(`could not warm the Go build cache: ${(error as Error).message}; Go builds start cold`);
    return undefined;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    sandbox.stop();
  }
}

function openDirectories(dir: string): void {
  chmodSync(dir, 0o777);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) openDirectories(join(dir, entry.name));
  }
}
