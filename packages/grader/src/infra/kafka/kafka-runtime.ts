import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { GraderError } from '../../errors/grader-error.ts';
import type { InfraLogger } from '../infra.ts';
import { KAFKA_VERSION } from '../versions.ts';
import { graderCacheDir } from '../cache-dir.ts';
import type { Session } from '../session/session-registry.ts';

const POM = resolve(dirname(fileURLToPath(import.meta.url)), '../../../kafka/pom.xml');
const MIN_JAVA = 17;

/** A Kafka classpath ready to run: where the jars are and which java runs them. */
export interface ResolvedKafkaRuntime {
  readonly java: string;
  readonly classpath: string;
  readonly source: 'maven-cache' | 'maven-resolved' | 'KAFKA_HOME';
  readonly version: string;
  /** Milliseconds spent resolving jars (0 when they were cached). */
  readonly resolveMs: number;
}

export interface KafkaRuntimeOptions {
  readonly logger: InfraLogger;
  /** Tracks Maven's staging dir, so an interrupted resolution is killed and removed. */
  readonly session?: Session;
  readonly env?: NodeJS.ProcessEnv;
  readonly cacheDir?: string;
}

/**
 * Finds Java and the Kafka jars: `$KAFKA_HOME/libs` when set, else a per-version Maven cache
 * outside the repo, filled once by `mvn dependency:copy-dependencies` from kafka/pom.xml.
 */
export class KafkaRuntime {
  private readonly env: NodeJS.ProcessEnv;
  private readonly libsDir: string;

  constructor(private readonly options: KafkaRuntimeOptions) {
    this.env = options.env ?? process.env;
    this.libsDir = join(options.cacheDir ?? graderCacheDir(this.env), `kafka-${KAFKA_VERSION}`, 'libs');
  }

  async resolve(): Promise<ResolvedKafkaRuntime> {
    const java = await this.findJava();
    const kafkaHome = this.env.KAFKA_HOME;
    if (kafkaHome) return { java, ...this.fromKafkaHome(kafkaHome), resolveMs: 0 };
    if (existsSync(join(this.libsDir, '.complete'))) {
      return { java, classpath: join(this.libsDir, '*'), source: 'maven-cache', version: KAFKA_VERSION, resolveMs: 0 };
    }
    const started = Date.now();
    await this.resolveWithMaven();
    return {
      java,
      classpath: join(this.libsDir, '*'),
      source: 'maven-resolved',
      version: KAFKA_VERSION,
      resolveMs: Date.now() - started,
    };
  }

  private async findJava(): Promise<string> {
    const javaHome = this.env.JAVA_HOME;
    const java = javaHome ? join(javaHome, 'bin', 'java') : 'java';
    let output: string;
    try {
      // `java -version` prints to stderr.
      const result = await execa(java, ['-version'], { env: this.env, timeout: 15_000, cleanup: false });
      output = `${result.stderr}\n${result.stdout}`;
    } catch (error) {
      throw new GraderError(
        'JAVA_NOT_FOUND',
        `Java not found (tried ${java}${javaHome ? ' from JAVA_HOME' : ' on PATH'})`,
        `install a JDK ${MIN_JAVA}+ (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME, or use --infra docker`,
        undefined,
        { cause: error },
      );
    }
    const major = parseJavaMajor(output);
    if (major !== undefined && major < MIN_JAVA) {
      throw new GraderError(
        'JAVA_TOO_OLD',
        `Java ${major} found at ${java}; Kafka ${KAFKA_VERSION} needs Java ${MIN_JAVA} or newer`,
        `install a JDK ${MIN_JAVA}+ and point JAVA_HOME at it`,
      );
    }
    return java;
  }

  private fromKafkaHome(kafkaHome: string): Omit<ResolvedKafkaRuntime, 'java' | 'resolveMs'> {
    const libs = join(kafkaHome, 'libs');
    const jars = existsSync(libs) ? readdirSync(libs) : [];
    const serverJar = jars.find((name) => /^kafka_2\.1[23]-.+\.jar$/.test(name) && !name.includes('-test'));
    if (!serverJar) {
      throw new GraderError(
        'KAFKA_HOME_INVALID',
        `KAFKA_HOME=${kafkaHome} has no libs/kafka_2.13-<version>.jar`,
        'point KAFKA_HOME at an unpacked Apache Kafka distribution, or unset it to resolve Kafka from Maven',
      );
    }
    const version = serverJar.replace(/^kafka_2\.1[23]-/, '').replace(/\.jar$/, '');
    if (version !== KAFKA_VERSION) {
      this.options.logger.warn(`KAFKA_HOME has Kafka ${version}; the grader is pinned to ${KAFKA_VERSION}`);
    }
    return { classpath: join(libs, '*'), source: 'KAFKA_HOME', version };
  }

  private async resolveWithMaven(): Promise<void> {
    const { logger } = this.options;
    const staging = `${this.libsDir}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(dirname(this.libsDir), { recursive: true });
    this.options.session?.trackDir(staging);
    logger.info(`Resolving Apache Kafka ${KAFKA_VERSION} jars with Maven (first run only) into ${this.libsDir}`);
    let downloaded = 0;
    const lines: string[] = [];
    const mvn = execa(
      'mvn',
      ['-B', '-f', POM, `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
      // cleanup: false: execa's signal-exit hook would re-raise SIGINT and kill the grader before
      // its own cleanup ran; the session (which tracks `staging`) kills Maven instead.
      { env: this.env, all: true, buffer: false, reject: false, cleanup: false },
    );
    mvn.all?.setEncoding('utf8');
    let pending = '';
    mvn.all?.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 40) lines.shift();
        if (/Downloaded from/.test(line)) {
          downloaded += 1;
          logger.progress(`resolving Kafka ${KAFKA_VERSION} jars: ${downloaded} artifacts downloaded`);
        }
      }
    });
    let result: Awaited<typeof mvn>;
    try {
      result = await mvn;
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    if (result.failed) {
      await rm(staging, { recursive: true, force: true });
      const code = (result as { code?: string }).code;
      if (code === 'ENOENT') {
        throw new GraderError(
          'MAVEN_NOT_FOUND',
          'Maven (mvn) not found on PATH; it is needed once to fetch the Kafka jars',
          'install Maven (apt-get install maven), or set KAFKA_HOME to an unpacked Kafka distribution, or use --infra docker',
        );
      }
      const reason = lines.filter((l) => l.includes('[ERROR]')).slice(0, 2).join(' ') || lines.slice(-3).join(' ');
      throw new GraderError(
        'KAFKA_RESOLVE_FAILED',
        `Maven could not resolve org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (exit ${result.exitCode ?? 'none'}): ${reason.slice(0, 400)}`,
        'check that Maven Central is reachable (settings.xml mirrors/proxy), or set KAFKA_HOME',
      );
    }
    await writeFile(join(staging, '.complete'), `${new Date().toISOString()}\n`);
    await rm(this.libsDir, { recursive: true, force: true });
    // rename is atomic: a concurrent or interrupted resolution never leaves a half-filled cache.
    await rename(staging, this.libsDir).catch(async (error: NodeJS.ErrnoException) => {
      await rm(staging, { recursive: true, force: true });
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    logger.info(`Resolved Kafka ${KAFKA_VERSION} (${downloaded} artifacts downloaded)`);
  }
}

/** `openjdk version "17.0.15"` → 17; `java version "1.8.0_372"` → 8. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}
