import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (holds weights.json, docs/, packages/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const GRADER_ROOT = resolve(REPO_ROOT, 'packages/grader');
