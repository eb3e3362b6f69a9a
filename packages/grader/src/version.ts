import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRADER_ROOT } from './paths.ts';

/** The grader package's version (packages/grader/package.json). */
export const GRADER_VERSION = (JSON.parse(readFileSync(join(GRADER_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
