import type { Options } from 'yargs';
import { GraderError } from '../errors/grader-error.ts';
import type { SandboxLimits } from '../sandbox/sandbox-command.ts';
import { DEFAULT_LIMITS } from '../sandbox/sandbox.ts';
import type { InfraLogger } from '../infra/infra.ts';
import type { InfraChoice } from '../infra/select-infra.ts';
import { NAMED_TARGETS } from '../target/target-spec.ts';
import { DEBOOTSTRAP_BASE_IMAGE, DEFAULT_DEBIAN_MIRROR, KAFKA_IMAGE, POSTGRES_IMAGE } from '../infra/versions.ts';

/**
 * Every CLI option in one typed table. yargs builds parsing and `--help` from it, so the help
 * text can never drift from what is parsed. Commands pick the groups they accept.
 */
export const optionTable = {
  infra: {
    type: 'string',
    choices: ['auto', 'local', 'docker', 'external'] as const,
    default: 'auto',
    describe: 'where Kafka and PostgreSQL come from: auto = docker if an engine answers, else local',
    group: 'Infrastructure:',
  },
  'kafka-brokers': {
    type: 'string',
    describe: 'comma-separated host:port of a running Kafka (implies --infra external)',
    group: 'Infrastructure:',
  },
  'database-url': {
    type: 'string',
    describe: 'superuser postgres:// URL of a running PostgreSQL (implies --infra external)',
    group: 'Infrastructure:',
  },
  'kafka-port': {
    type: 'number',
    describe: 'local only: port for Kafka on 127.0.0.1 (default: a free one)',
    group: 'Infrastructure:',
  },
  'postgres-port': {
    type: 'number',
    describe: 'local only: port for PostgreSQL on 127.0.0.1 (default: a free one)',
    group: 'Infrastructure:',
  },
  'ready-timeout': {
    type: 'number',
    default: 90,
    describe: 'seconds each service may take to become ready',
    group: 'Infrastructure:',
  },
  'kafka-image': {
    type: 'string',
    describe: `docker only: the Kafka image to run (default ${KAFKA_IMAGE}, or the one \`grader infra images\` builds when that cannot be pulled)`,
    group: 'Infrastructure:',
  },
  'postgres-image': {
    type: 'string',
    describe: `docker only: the PostgreSQL image to run (default ${POSTGRES_IMAGE}, or the one \`grader infra images\` builds when that cannot be pulled)`,
    group: 'Infrastructure:',
  },
  'base-image': {
    type: 'string',
    describe: `a Debian bookworm image to build the offline images on (default: ${DEBOOTSTRAP_BASE_IMAGE}, made with debootstrap)`,
    group: 'Images:',
  },
  'debian-mirror': { type: 'string', default: DEFAULT_DEBIAN_MIRROR, describe: 'the mirror debootstrap makes the base image from', group: 'Images:' },
  rebuild: { type: 'boolean', default: false, describe: 'build the images even when their inputs did not change', group: 'Images:' },
  target: {
    type: 'string',
    demandOption: true,
    describe: `${Object.keys(NAMED_TARGETS).join(', ')}, or a path to a directory that follows docs/CONTRACT.md`,
    group: 'Grading:',
  },
  seed: { type: 'number', default: 1, describe: 'seeds every workload and fault; same seed, same messages', group: 'Grading:' },
  repeat: { type: 'number', default: 1, describe: 're-run every check N times and report each pass rate', group: 'Grading:' },
  only: { type: 'string', describe: 'comma-separated check ids to run (others are skipped)', group: 'Grading:' },
  category: { type: 'string', describe: 'comma-separated categories to run, e.g. race_conditions,idempotency', group: 'Grading:' },
  'min-score': { type: 'number', describe: 'exit 1 when the weighted score is below this (0..1)', group: 'Grading:' },
  weights: { type: 'string', describe: 'weights file (default: weights.json at the repo root)', group: 'Grading:' },
  json: { type: 'string', describe: 'write the full JSON report here', group: 'Reports:' },
  junit: { type: 'string', describe: 'write a JUnit XML report here', group: 'Reports:' },
  ctrf: { type: 'string', describe: 'write a CTRF JSON report here', group: 'Reports:' },
  'run-dir': { type: 'string', describe: 'where replica logs go (default: .grader/runs/<time>-<target>)', group: 'Reports:' },
  sandbox: {
    type: 'boolean',
    default: true,
    describe: 'contain the target (own uid, namespaces, cgroup limits, only the run\'s servers); --no-sandbox runs it as the grader\'s user, for debugging only',
    group: 'Sandbox:',
  },
  'sandbox-memory': { type: 'number', default: DEFAULT_LIMITS.memoryMiB, describe: 'MiB of memory per replica or build (the kernel kills beyond it)', group: 'Sandbox:' },
  'sandbox-disk': { type: 'number', default: DEFAULT_LIMITS.diskMiB, describe: 'MiB the target may write (its copy, home and /tmp together)', group: 'Sandbox:' },
  'build-timeout': { type: 'number', default: 300, describe: 'seconds the target\'s build may take (it is killed beyond and every check fails)', group: 'Sandbox:' },
  'sandbox-cpus': {
    type: 'number',
    default: DEFAULT_LIMITS.cpus,
    describe: 'CPUs\' worth of time all of the target\'s processes may use together (default: the cores but a quarter)',
    group: 'Sandbox:',
  },
  user: { type: 'string', demandOption: true, describe: 'the unprivileged account that will run the grader', group: 'Sandbox:' },
  submissions: {
    type: 'string',
    array: true,
    demandOption: true,
    describe: 'a predictions file (.jsonl, SWE-bench style), a .diff against the exported task, a service directory, or a folder of <model>/<attempt>/ submissions; repeat to mix',
    group: 'Batch:',
  },
  out: { type: 'string', demandOption: true, describe: 'folder for results: batch.json, summary.json, submissions/<model>/<attempt>/ (report, logs, what was graded)', group: 'Batch:' },
  resume: { type: 'boolean', default: true, describe: 'skip submissions whose result for the same content and settings is in --out (--no-resume grades everything again)', group: 'Batch:' },
  shard: { type: 'string', describe: 'grade only part i of n (1-based, e.g. 2/4); every machine of a CI matrix takes one, `grader merge` joins them', group: 'Batch:' },
  budget: { type: 'number', default: 900, describe: 'seconds one submission may take (diff, build, every run); checks not judged by then fail with "budget exceeded"', group: 'Batch:' },
} as const satisfies Record<string, Options>;

export type OptionName = keyof typeof optionTable;

export const infraOptionNames = [
  'infra',
  'kafka-brokers',
  'database-url',
  'kafka-port',
  'postgres-port',
  'ready-timeout',
  'kafka-image',
  'postgres-image',
  'base-image',
  'debian-mirror',
] as const satisfies readonly OptionName[];

export const imageOptionNames = ['base-image', 'debian-mirror', 'rebuild'] as const satisfies readonly OptionName[];

/** Parsed `infra images` flags. */
export interface ImageArgs {
  'base-image'?: string | undefined;
  'debian-mirror': string;
  rebuild: boolean;
}

/** The subset of the table a command accepts, in the shape yargs' `.options()` takes. */
export function pickOptions<const K extends readonly OptionName[]>(names: K): Pick<typeof optionTable, K[number]> {
  return Object.fromEntries(names.map((n) => [n, optionTable[n]])) as Pick<typeof optionTable, K[number]>;
}

export const sandboxOptionNames = ['sandbox', 'sandbox-memory', 'sandbox-disk', 'sandbox-cpus', 'build-timeout'] as const satisfies readonly OptionName[];

export const runOptionNames = [
  'target',
  'seed',
  'repeat',
  'only',
  'category',
  'min-score',
  'weights',
  'json',
  'junit',
  'ctrf',
  'run-dir',
  ...sandboxOptionNames,
  ...infraOptionNames,
] as const satisfies readonly OptionName[];

/** Parsed sandbox flags. */
export interface SandboxArgs {
  sandbox: boolean;
  'sandbox-memory': number;
  'sandbox-disk': number;
  'sandbox-cpus': number;
  'build-timeout': number;
}

/** Parsed infrastructure flags, as every command that needs infra receives them. */
export interface InfraArgs {
  infra: 'auto' | 'local' | 'docker' | 'external';
  'kafka-brokers'?: string | undefined;
  'database-url'?: string | undefined;
  'kafka-port'?: number | undefined;
  'postgres-port'?: number | undefined;
  'ready-timeout': number;
  'kafka-image'?: string | undefined;
  'postgres-image'?: string | undefined;
  'base-image'?: string | undefined;
  'debian-mirror'?: string | undefined;
}

/** The provider choice the infra flags describe (validated by selectInfra). */
export function infraChoice(args: InfraArgs, logger: InfraLogger): InfraChoice {
  return {
    infra: args.infra,
    kafkaBrokers: args['kafka-brokers'],
    databaseUrl: args['database-url'],
    kafkaPort: args['kafka-port'],
    postgresPort: args['postgres-port'],
    readyTimeoutMs: args['ready-timeout'] * 1000,
    kafkaImage: args['kafka-image'],
    postgresImage: args['postgres-image'],
    baseImage: args['base-image'],
    debianMirror: args['debian-mirror'],
    logger,
  };
}

/** Whether to contain targets, and with which limits (validated: one line and exit 2 if wrong). */
export function sandboxChoice(args: SandboxArgs): { sandbox: boolean; limits: SandboxLimits; buildTimeoutMs: number } {
  const positive = (flag: keyof SandboxArgs, value: number, example: string): number => {
    if (!Number.isFinite(value) || value <= 0) throw new GraderError('USAGE', `--${flag} must be a positive number, got ${String(value)}`, `e.g. --${flag} ${example}`);
    return value;
  };
  const memoryMiB = Math.round(positive('sandbox-memory', args['sandbox-memory'], '2048'));
  return {
    sandbox: args.sandbox,
    buildTimeoutMs: Math.round(positive('build-timeout', args['build-timeout'], '300') * 1000),
    limits: {
      ...DEFAULT_LIMITS,
      memoryMiB,
      totalMemoryMiB: Math.max(DEFAULT_LIMITS.totalMemoryMiB, memoryMiB * 3),
      diskMiB: Math.round(positive('sandbox-disk', args['sandbox-disk'], '1024')),
      cpus: positive('sandbox-cpus', args['sandbox-cpus'], '1.75'),
    },
  };
}

/**
 * Refuses a non-numeric value of a number option with what the user typed (yargs would turn
 * `--repeat abc` into NaN before any command sees it).
 */
export function checkNumericArgs(argv: readonly string[]): void {
  const numeric = new Set(Object.entries(optionTable).filter(([, o]) => o.type === 'number').map(([name]) => name));
  argv.forEach((arg, i) => {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !numeric.has(match[1] as string)) return;
    const value = match[2] ?? argv[i + 1];
    if (value === undefined || value.trim() === '' || !Number.isFinite(Number(value))) {
      throw new GraderError('USAGE', `--${match[1]} must be a number, got ${value === undefined ? 'nothing' : `'${value}'`}`, `e.g. --${match[1]} ${(optionTable[match[1] as OptionName] as { default?: number }).default ?? 1}`);
    }
  });
}
