import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraderError } from '../errors/grader-error.ts';

/** The repository root (this file is packages/grader/src/task/export-task.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where the buggy service lands inside the bundle. */
export const SERVICE_DIR = 'service';

/** Top-level files copied as they are: bundle path -> repo path. */
const TOP_LEVEL_FILES: readonly (readonly [string, string])[] = [
  ['prompt.md', 'prompt.md'],
  ['docker-compose.yml', 'docker-compose.yml'],
  ['docs/CONTRACT.md', 'docs/CONTRACT.md'],
  ['docs/schema.sql', 'docs/schema.sql'],
];

/** Never exported from the service directory. */
const SKIPPED_NAMES = new Set(['node_modules', 'dist', 'coverage', '.grader', '.turbo']);
const SKIPPED_SUFFIXES = ['.log', '.tsbuildinfo'];

const BUG_LINE = /^\s*\/\/\s*BUG:/;
const TRAILING_BUG_COMMENT = /\s*\/\/\s*BUG:.*$/;

/** Drops every `// BUG:` comment: whole comment lines, and trailing comments after code. */
export function stripBugComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !BUG_LINE.test(line))
    .map((line) => line.replace(TRAILING_BUG_COMMENT, ''))
    .join('\n');
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (SKIPPED_NAMES.has(entry.name) || SKIPPED_SUFFIXES.some((s) => entry.name.endsWith(s))) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, path)));
    else if (entry.isFile()) files.push(relative(root, path).split(sep).join('/'));
  }
  return files.sort();
}

async function assertUsableOutDir(out: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(out);
    if (!info.isDirectory()) {
      throw new GraderError('USAGE', `--out ${out} exists and is not a directory`, 'pass a new or empty directory');
    }
    entries = await readdir(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length > 0) {
    throw new GraderError('USAGE', `--out ${out} is not empty (${entries.length} entries)`, 'pass a new or empty directory; export-task never overwrites files');
  }
}

/** The service's package.json, standalone: no workspace, test and typecheck scripts. */
function servicePackageJson(original: string): string {
  const pkg = JSON.parse(original) as Record<string, unknown>;
  const scripts = { ...(pkg.scripts as Record<string, string> | undefined), test: 'vitest run', typecheck: 'tsc --noEmit' };
  const description = 'Inventory service: consumes stock adjustments and orders from Kafka and applies them to PostgreSQL (docs/CONTRACT.md).';
  return `${JSON.stringify({ ...pkg, name: 'inventory-service', description, scripts }, null, 2)}\n`;
}

/** The service's tsconfig.json with the monorepo base inlined (the bundle has no base file). */
async function serviceTsconfig(original: string): Promise<string> {
  const config = JSON.parse(original) as { extends?: string; compilerOptions?: Record<string, unknown> } & Record<string, unknown>;
  const base = JSON.parse(await readFile(join(REPO_ROOT, 'tsconfig.base.json'), 'utf8')) as { compilerOptions?: Record<string, unknown> };
  const { extends: _extends, ...rest } = config;
  return `${JSON.stringify({ ...rest, compilerOptions: { ...base.compilerOptions, ...config.compilerOptions } }, null, 2)}\n`;
}

/** The bundle's target.json: the grader builds a fresh bundle by installing its dependencies. */
function serviceTargetJson(original: string): string {
  const target = JSON.parse(original) as Record<string, unknown>;
  return `${JSON.stringify({ build: ['npm', 'install', '--no-audit', '--no-fund'], ...target }, null, 2)}\n`;
}

function taskReadme(hints: boolean): string {
  return `# Task: fix the inventory service

Read \`prompt.md\` first. This folder is everything you get:

| path | what |
|------|------|
| \`prompt.md\` | the task in three sentences |
| \`docs/CONTRACT.md\` | what the service must do, exactly; the grader checks only this |
| \`docs/schema.sql\` | the tables the grader creates and seeds before the service starts |
| \`service/\` | the service to fix (TypeScript, kafkajs 2.2.4, pg): \`src/main.ts\` is the entry point |
| \`service/target.json\` | how the grader builds (\`npm install\`) and starts (one process per replica) the service |
| \`docker-compose.yml\` | Kafka (KRaft) + PostgreSQL to run the service by hand |

## Running it by hand

\`\`\`sh
docker compose up -d --wait            # Kafka on localhost:9092, PostgreSQL on localhost:5432, topic "inventory"
cd service && npm install
npm test && npm run typecheck          # unit tests of the service (no servers)
\`\`\`

The comments at the top of \`docker-compose.yml\` show how to seed products, start a replica with the
environment of docs/CONTRACT.md section 2 and produce a message. Start two or three replicas with
different \`INSTANCE_ID\`s to see them share the partitions.

## How it is graded

The grader starts the service exactly as \`service/target.json\` says (usually three replicas in one
consumer group), produces seeded workloads, and injects faults: database latency, one SKU on many
partitions, duplicate deliveries, invalid messages, SIGKILL and restart, dropped database
connections, rebalances and SIGTERM. It then judges only the database tables and the consumer
group: exact final stock, exactly one outcome row per message id, no negative stock at any time,
orders all or nothing, every partition drained, throughput that does not collapse to one message at
a time. Keep \`service/target.json\` working and the service a TypeScript kafkajs + pg service.
${hints ? '\nThe `// BUG:` comments in `service/src` mark known defects by their symptom (not their fix). They may not be the only ones.\n' : ''}`;
}

/**
 * Writes the bundle a model receives into `out` (new or empty): prompt, contract, schema,
 * compose file, a task README and the buggy service under `service/`. Nothing from
 * packages/grader or packages/reference-fix is ever read into it. With `hints: false` every
 * `// BUG:` comment is removed. Returns the bundle's files, relative to `out`.
 */
export async function exportTask(opts: { out: string; hints: boolean }): Promise<{ files: string[] }> {
  const { out, hints } = opts;
  await assertUsableOutDir(out);
  const files: string[] = [];
  const write = async (path: string, content: string | Buffer): Promise<void> => {
    const target = join(out, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    files.push(path);
  };

  for (const [to, from] of TOP_LEVEL_FILES) await write(to, await readFile(join(REPO_ROOT, from)));
  await write('README.md', taskReadme(hints));

  const serviceRoot = join(REPO_ROOT, 'packages', 'buggy-service');
  for (const file of await listFiles(serviceRoot)) {
    const text = await readFile(join(serviceRoot, file), 'utf8');
    let content: string;
    if (file === 'package.json') content = servicePackageJson(text);
    else if (file === 'tsconfig.json') content = await serviceTsconfig(text);
    else if (file === 'target.json') content = serviceTargetJson(text);
    else content = hints ? text : stripBugComments(text);
    await write(`${SERVICE_DIR}/${file}`, content);
  }
  return { files: files.sort() };
}
