import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraderError } from '../errors/grader-error.ts';
import { GO_BINARY } from '../target/target-spec.ts';

/** The repository root (this file is packages/grader/src/task/export-task.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where the buggy service lands inside the bundle. */
export const SERVICE_DIR = 'service';

/** The languages a bundle's service comes in (`--language`); the first is the default. */
export const TASK_LANGUAGES = ['typescript', 'go'] as const;
export type TaskLanguage = (typeof TASK_LANGUAGES)[number];

/** Per language: the buggy service and the prompt (exported as prompt.md), relative to the repo. */
const LANGUAGE_SOURCES: Readonly<Record<TaskLanguage, { readonly service: string; readonly prompt: string }>> = {
  typescript: { service: 'packages/buggy-service', prompt: 'prompt.md' },
  go: { service: 'packages/buggy-service-go', prompt: 'prompt-go.md' },
};

/** Top-level files copied as they are, besides the prompt: bundle path -> repo path. */
const TOP_LEVEL_FILES: readonly (readonly [string, string])[] = [
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
    // A Go service's built binary: the grader builds its own.
    if (dir === root && entry.isFile() && entry.name === GO_BINARY) continue;
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

/**
 * The bundle's target.json: the grader installs the service's dependencies, then runs the
 * service's own build (if it has one) in the same shell command.
 */
function serviceTargetJson(original: string): string {
  const { build, ...target } = JSON.parse(original) as { build?: string | string[] } & Record<string, unknown>;
  const install = 'npm install --no-audit --no-fund';
  const own = Array.isArray(build) ? build.join(' ') : build;
  return `${JSON.stringify({ build: own ? `${install} && ${own}` : install.split(' '), ...target }, null, 2)}\n`;
}

function taskReadme(hints: boolean, language: TaskLanguage): string {
  return language === 'go' ? goTaskReadme(hints) : typescriptTaskReadme(hints);
}

function typescriptTaskReadme(hints: boolean): string {
  return `# Task: fix the inventory service

Read \`prompt.md\` first. This folder is everything you get:

| path | what |
|------|------|
| \`prompt.md\` | the task in three sentences |
| \`docs/CONTRACT.md\` | what the service must do, exactly; the grader checks only this |
| \`docs/schema.sql\` | the tables the grader creates and seeds before the service starts |
| \`service/\` | the service to fix (TypeScript, kafkajs 2.2.4, pg): \`src/main.ts\` is the entry point |
| \`service/target.json\` | how the grader builds (\`npm install\`, then \`npm run build\`: esbuild bundles \`src/\` into \`dist/main.js\`) and starts (one process per replica) the service |
| \`docker-compose.yml\` | Kafka (KRaft) + PostgreSQL to run the service by hand |

## Running it by hand

\`\`\`sh
docker compose up -d --wait            # Kafka on localhost:9092, PostgreSQL on localhost:5432, topic "inventory"
cd service && npm install && npm run build
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

function goTaskReadme(hints: boolean): string {
  return `# Task: fix the inventory service

Read \`prompt.md\` first. This folder is everything you get:

| path | what |
|------|------|
| \`prompt.md\` | the task in a few sentences |
| \`docs/CONTRACT.md\` | what the service must do, exactly; the grader checks only this |
| \`docs/schema.sql\` | the tables the grader creates and seeds before the service starts |
| \`service/\` | the service to fix (Go, package \`main\` in the folder's root, franz-go and pgx) |
| \`service/target.json\` | how the grader builds (\`go build -race\`) and starts (one process per replica) the service |
| \`docker-compose.yml\` | Kafka (KRaft) + PostgreSQL to run the service by hand |

## Running it by hand

\`\`\`sh
docker compose up -d --wait            # Kafka on localhost:9092, PostgreSQL on localhost:5432, topic "inventory"
cd service && go build -race -o inventory-service .
go vet ./... && go test -race ./...    # unit tests of the service (no servers)
\`\`\`

The comments at the top of \`docker-compose.yml\` show how to seed products, start a replica with the
environment of docs/CONTRACT.md section 2 (run \`GORACE=halt_on_error=1 ./inventory-service\` where they
show a node command) and produce a message. Start two or three replicas with different
\`INSTANCE_ID\`s to see them share the partitions.

## How it is graded

The grader builds the service exactly as \`service/target.json\` says, with the race detector, and
starts it the same way (usually three replicas in one consumer group), produces seeded workloads,
and injects faults: database latency, one SKU on many partitions, duplicate deliveries, invalid
messages, SIGKILL and restart, dropped database connections, rebalances and SIGTERM. It then
judges only the database tables and the consumer group: exact final stock, exactly one outcome row
per message id, no negative stock at any time, orders all or nothing, every partition drained,
throughput that does not collapse to one message at a time. The service runs with
\`GORACE=halt_on_error=1\`: a data race the race detector sees stops the replica (exit 66), and the
grader reports it. Keep \`service/target.json\` working and the service a Go franz-go + pgx service.
${hints ? '\nThe `// BUG:` comments in `service/*.go` mark known defects by their symptom (not their fix). They may not be the only ones.\n' : ''}`;
}

/** What to export: `language` picks the service and prompt (default typescript). */
export interface ExportTaskOptions {
  readonly out: string;
  readonly hints: boolean;
  readonly language?: TaskLanguage;
  /** The buggy service to export instead of the language's package (tests). */
  readonly serviceDir?: string;
}

/**
 * Writes the bundle a model receives into `out` (new or empty): prompt, contract, schema,
 * compose file, a task README and the buggy service of `language` under `service/`. Nothing
 * from packages/grader or a reference fix is ever read into it. With `hints: false` every
 * `// BUG:` comment is removed. Returns the bundle's files, relative to `out`.
 */
export async function exportTask(opts: ExportTaskOptions): Promise<{ files: string[] }> {
  const { out, hints, language = TASK_LANGUAGES[0] } = opts;
  // The CLI offers only TASK_LANGUAGES; this guards other callers.
  if (!(TASK_LANGUAGES as readonly string[]).includes(language)) {
    throw new GraderError('USAGE', `--language must be one of ${TASK_LANGUAGES.join(', ')}, got '${String(language)}'`, `e.g. --language ${TASK_LANGUAGES[1]}`);
  }
  const sources = LANGUAGE_SOURCES[language];
  const serviceRoot = opts.serviceDir ?? join(REPO_ROOT, sources.service);
  await assertUsableOutDir(out);
  const isDir = await stat(serviceRoot).then((info) => info.isDirectory(), () => false);
  if (!isDir) throw new GraderError('TARGET_NOT_FOUND', `the ${language} service ${relative(REPO_ROOT, serviceRoot) || serviceRoot} does not exist`, `export another --language, or create ${sources.service}`);
  const files: string[] = [];
  const write = async (path: string, content: string | Buffer): Promise<void> => {
    const target = join(out, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    files.push(path);
  };

  await write('prompt.md', await readFile(join(REPO_ROOT, sources.prompt)));
  for (const [to, from] of TOP_LEVEL_FILES) await write(to, await readFile(join(REPO_ROOT, from)));
  await write('README.md', taskReadme(hints, language));

  const typescript = language === 'typescript';
  for (const file of await listFiles(serviceRoot)) {
    const text = await readFile(join(serviceRoot, file), 'utf8');
    let content: string;
    if (typescript && file === 'package.json') content = servicePackageJson(text);
    else if (typescript && file === 'tsconfig.json') content = await serviceTsconfig(text);
    else if (typescript && file === 'target.json') content = serviceTargetJson(text);
    else content = hints ? text : stripBugComments(text);
    await write(`${SERVICE_DIR}/${file}`, content);
  }
  return { files: files.sort() };
}
