import { GraderError } from '../errors/grader-error.ts';
import { ExternalInfra } from './external-infra.ts';
import type { Infra, InfraKind, InfraLogger } from './infra.ts';
import { LocalInfra } from './local-infra.ts';

export interface InfraChoice {
  readonly infra: 'auto' | InfraKind;
  readonly kafkaBrokers?: string | undefined;
  readonly databaseUrl?: string | undefined;
  readonly kafkaPort?: number | undefined;
  readonly postgresPort?: number | undefined;
  readonly readyTimeoutMs?: number | undefined;
  readonly kafkaImage?: string | undefined;
  readonly postgresImage?: string | undefined;
  readonly baseImage?: string | undefined;
  readonly debianMirror?: string | undefined;
  readonly logger: InfraLogger;
}

/** Validates the infra flags and returns the provider to start. `auto` = docker if it answers, else local. */
export async function selectInfra(choice: InfraChoice): Promise<Infra> {
  const externalFlags = choice.kafkaBrokers !== undefined || choice.databaseUrl !== undefined;
  const imageFlags = choice.kafkaImage !== undefined || choice.postgresImage !== undefined;
  let kind = choice.infra;
  if (kind === 'auto' && externalFlags) kind = 'external';
  if (kind === 'auto' && imageFlags) kind = 'docker';
  if (imageFlags && kind !== 'docker') {
    throw new GraderError('USAGE', `--kafka-image/--postgres-image only apply to --infra docker, not --infra ${kind}`, 'drop them, or pass --infra docker');
  }
  if (kind === 'external') {
    if (!choice.kafkaBrokers || !choice.databaseUrl) {
      throw new GraderError(
        'USAGE',
        '--infra external needs both --kafka-brokers and --database-url',
        'e.g. --kafka-brokers 127.0.0.1:9092 --database-url postgres://postgres:pw@127.0.0.1:5432/postgres',
      );
    }
    const brokers = parseBrokers(choice.kafkaBrokers);
    parseDatabaseUrl(choice.databaseUrl);
    return new ExternalInfra({ kafkaBrokers: brokers, databaseUrl: choice.databaseUrl, ...timeout(choice) });
  }
  if (externalFlags) {
    throw new GraderError(
      'USAGE',
      `--kafka-brokers/--database-url only apply to --infra external, not --infra ${kind}`,
      'drop them, or pass --infra external',
    );
  }
  for (const [flag, port] of [['--kafka-port', choice.kafkaPort], ['--postgres-port', choice.postgresPort]] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new GraderError('USAGE', `${flag} must be a port number 1-65535, got ${String(port)}`, `omit ${flag} to use a free port`);
    }
  }
  // Loaded lazily: dockerode is only needed when Docker is asked for or probed.
  const docker = kind === 'local' ? undefined : await import('./docker-infra.ts');
  if (kind === 'auto') kind = (await docker?.dockerEngineAvailable()) ? 'docker' : 'local';
  const ports = {
    ...(choice.kafkaPort !== undefined ? { kafkaPort: choice.kafkaPort } : {}),
    ...(choice.postgresPort !== undefined ? { postgresPort: choice.postgresPort } : {}),
  };
  if (kind === 'docker' && docker) {
    if (choice.kafkaPort !== undefined || choice.postgresPort !== undefined) {
      throw new GraderError('USAGE', '--kafka-port/--postgres-port apply to --infra local only', 'the docker provider always binds free ports on 127.0.0.1');
    }
    return new docker.DockerInfra({
      logger: choice.logger,
      kafkaImage: choice.kafkaImage,
      postgresImage: choice.postgresImage,
      baseImage: choice.baseImage,
      debianMirror: choice.debianMirror,
      ...timeout(choice),
    });
  }
  return new LocalInfra({ logger: choice.logger, ...ports, ...timeout(choice) });
}

function timeout(choice: InfraChoice): { readyTimeoutMs?: number } {
  return choice.readyTimeoutMs !== undefined ? { readyTimeoutMs: choice.readyTimeoutMs } : {};
}

/** `a:1,b:2` → ['a:1', 'b:2'], each checked for host:port. */
export function parseBrokers(value: string): string[] {
  const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = brokers.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad !== undefined) {
    throw new GraderError('USAGE', `--kafka-brokers: '${bad ?? value}' is not host:port`, 'e.g. --kafka-brokers 127.0.0.1:9092,127.0.0.1:9093');
  }
  return brokers;
}

export function parseDatabaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GraderError('USAGE', '--database-url is not a URL', 'e.g. postgres://postgres:secret@127.0.0.1:5432/postgres');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new GraderError('USAGE', `--database-url must start with postgres://, got ${url.protocol}//`, 'e.g. postgres://postgres:secret@127.0.0.1:5432/postgres');
  }
  return url;
}
