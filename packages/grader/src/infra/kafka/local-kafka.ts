import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { GraderError } from '../../errors/grader-error.ts';
import type { InfraLogger } from '../infra.ts';
import { LogTail } from '../log-tail.ts';
import { GROUP_INITIAL_REBALANCE_DELAY_MS } from '../versions.ts';
import { choosePort, freePort } from '../ports.ts';
import type { Session } from '../session/session-registry.ts';
import { forAll, forLogMessage, forProbe, WaitTimeoutError, type WaitStrategy } from '../wait/wait-strategy.ts';
import { probeKafkaAdmin } from '../wait/probes.ts';
import { clientQuotaCommands } from './client-quotas.ts';
import { AUTHORIZER_PROPERTIES, lockCluster } from './cluster-lock.ts';
import type { ResolvedKafkaRuntime } from './kafka-runtime.ts';

export interface LocalKafkaOptions {
  readonly runtime: ResolvedKafkaRuntime;
  readonly session: Session;
  readonly logger: InfraLogger;
  /** Broker port on 127.0.0.1; a free one when omitted. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
  /** Override the readiness check (default: "Kafka Server started" logged AND admin sees the cluster). */
  readonly waitStrategy?: (brokers: readonly string[]) => WaitStrategy;
}

const LOG4J2 = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
`;

/** Single-node KRaft properties (broker + controller in one JVM) bound to 127.0.0.1. */
export function kraftProperties(brokerPort: number, controllerPort: number, logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    // The grader creates every topic; a target must not create one by accident.
    'auto.create.topics.enable=false',
    // A deleted topic's files go after 1 s, not 60: the log dir checked between submissions holds what is live.
    'file.delete.delay.ms=1000',
    'offsets.topic.replication.factor=1',
    // One partition: the first consumer group is coordinated sooner.
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    `group.initial.rebalance.delay.ms=${GROUP_INITIAL_REBALANCE_DELAY_MS}`,
    // See cluster-lock.ts: the cluster's configuration is closed once the quotas are set.
    ...Object.entries(AUTHORIZER_PROPERTIES).map(([key, value]) => `${key}=${value}`),
    '',
  ].join('\n');
}

/**
 * Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding. Like Kafka's own
 * Uuid.randomUuid(), never one starting with '-': the storage tool would read it as an option
 * (1 boot in 64 failed before this).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A Kafka broker that has not been started. */
export class LocalKafka {
  constructor(private readonly options: LocalKafkaOptions) {}

  async start(): Promise<StartedLocalKafka> {
    const { runtime, session, logger } = this.options;
    const started = Date.now();
    const dir = join(tmpdir(), `grader-kafka-${session.id}`);
    // Tracked before anything runs in it: cleanup kills every process whose command line names it.
    session.trackDir(dir);
    await mkdir(join(dir, 'data'), { recursive: true });
    const brokerPort = await choosePort(this.options.port, 'the Kafka broker');
    let controllerPort = await freePort();
    while (controllerPort === brokerPort) controllerPort = await freePort();
    const properties = join(dir, 'server.properties');
    await writeFile(properties, kraftProperties(brokerPort, controllerPort, join(dir, 'data')));
    await writeFile(join(dir, 'log4j2.properties'), LOG4J2);
    const log = new LogTail(200, join(dir, 'kafka.log'));

    const clusterId = newClusterId();
    const format = await execa(
      runtime.java,
      ['-XX:TieredStopAtLevel=1', '-Xshare:auto', '-cp', runtime.classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties],
      // cleanup: false: see KafkaRuntime; the session kills it by its dir.
      { reject: false, all: true, timeout: 60_000, cleanup: false, env: { ...process.env, KAFKA_LOG4J_OPTS: '' } },
    );
    if (format.failed) {
      throw new GraderError(
        'KAFKA_EXITED',
        `Kafka storage format failed (exit ${format.exitCode ?? format.signal ?? 'none'}) in ${dir}: ${(format.all ?? '').split('\n').slice(-3).join(' | ')}`,
        'check the Java and Kafka installation (KAFKA_HOME or the Maven cache under ~/.cache/inventory-grader)',
      );
    }

    const child = spawn(
      runtime.java,
      [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
        '-cp',
        runtime.classpath,
        'kafka.Kafka',
        properties,
      ],
      // Own process group: Ctrl-C in the terminal reaches the grader, which stops Kafka itself.
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const pid = child.pid;
    if (pid === undefined) throw new GraderError('KAFKA_EXITED', `could not spawn ${runtime.java}`, 'check JAVA_HOME');
    session.trackProcess({ pid, group: true, marker: dir, what: 'kafka' });
    child.stdout?.on('data', (c: Buffer) => log.push(c));
    child.stderr?.on('data', (c: Buffer) => log.push(c));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => {
      exit = { code, signal };
    });

    const brokers = [`127.0.0.1:${brokerPort}`];
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    const strategy =
      this.options.waitStrategy?.(brokers) ??
      forAll(forLogMessage(/Kafka Server started/), forProbe('an admin client to see the cluster', () => probeKafkaAdmin(brokers)));
    const handle = new StartedLocalKafka(child, brokers, dir, 0);
    try {
      await strategy.waitUntilReady(
        {
          logText: () => log.all(),
          failIfExited: () => {
            if (!exit) return;
            if (/Address already in use|BindException/.test(log.all())) {
              throw new GraderError(
                'PORT_IN_USE',
                `Kafka could not bind 127.0.0.1:${brokerPort} or :${controllerPort}: ${log.last(2)}`,
                'another process took the port; run again, or pass a free --kafka-port',
              );
            }
            throw new GraderError(
              'KAFKA_EXITED',
              `Kafka exited during start (code ${exit.code ?? 'none'}, signal ${exit.signal ?? 'none'}) after ${Date.now() - started} ms: ${log.last(3)}`,
              `see ${join(dir, 'kafka.log')} (kept only while the grader runs); check Java memory and the Kafka jars`,
            );
          },
        },
        Date.now() + timeoutMs,
      );
    } catch (error) {
      await handle.stop();
      if (error instanceof WaitTimeoutError) {
        throw new GraderError(
          'KAFKA_NOT_READY',
          `Kafka on ${brokers[0]} was not ready within ${timeoutMs} ms (${error.message}); last log: ${log.last(3) || '(none)'}`,
          'the machine may be overloaded; raise --ready-timeout or check the Java installation',
        );
      }
      throw error;
    }
    try {
      await setClientQuotas(runtime, brokers[0] ?? '', dir);
      await lockCluster(brokers);
    } catch (error) {
      await handle.stop();
      throw error;
    }
    logger.info(`Kafka ${runtime.version} ready on ${brokers[0]} in ${Date.now() - started} ms`);
    handle.bootMs = Date.now() - started;
    return handle;
  }
}

/** Kafka's own ConfigCommand (kafka-configs.sh), run with the broker's classpath: kafkajs has no AlterClientQuotas. */
async function setClientQuotas(runtime: ResolvedKafkaRuntime, bootstrap: string, dir: string): Promise<void> {
  const results = await Promise.all(
    clientQuotaCommands(bootstrap).map((args) =>
      execa(
        runtime.java,
        // The session kills any process whose command line names its dir: a grader that dies here leaves nothing.
        ['-XX:TieredStopAtLevel=1', '-Xshare:auto', `-Dgrader.session=${dir}`, '-cp', runtime.classpath, 'kafka.admin.ConfigCommand', ...args],
        { reject: false, all: true, timeout: 60_000, cleanup: false, env: { ...process.env, KAFKA_LOG4J_OPTS: '' } },
      ),
    ),
  );
  const failed = results.find((r) => r.failed);
  if (failed) {
    throw new GraderError(
      'KAFKA_NOT_READY',
      `setting the targets' client quotas on ${bootstrap} failed (exit ${failed.exitCode ?? failed.signal ?? 'none'}): ${(failed.all ?? '').split('\n').slice(-3).join(' | ')}`,
      'the machine may be overloaded; rerun, or check the Kafka jars (KAFKA_HOME or the Maven cache under ~/.cache/inventory-grader)',
    );
  }
}

/** A running broker. `stop()` kills the JVM (the data is throwaway) and is idempotent. */
export class StartedLocalKafka {
  private stopping?: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    readonly brokers: readonly string[],
    readonly dir: string,
    public bootMs: number,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the broker's JVM ended, if it has ("exited with code 1", "was killed by SIGKILL"). */
  get ended(): string | undefined {
    if (this.child.signalCode !== null) return `was killed by ${this.child.signalCode}`;
    if (this.child.exitCode !== null) return `exited with code ${this.child.exitCode}`;
    return undefined;
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      try {
        process.kill(-(this.child.pid ?? 0), 'SIGKILL');
      } catch {
        resolve();
      }
    });
    return this.stopping;
  }
}
