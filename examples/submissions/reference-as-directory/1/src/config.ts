/** Settings a replica receives from its environment (docs/CONTRACT.md section 2). */
export interface Config {
  readonly kafkaBrokers: string[];
  readonly kafkaTopic: string;
  readonly kafkaGroupId: string;
  readonly sessionTimeoutMs: number;
  readonly databaseUrl: string;
  readonly instanceId: string;
  readonly logLevel: LogLevel;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A missing or malformed variable; main prints `message` as one line and exits non-zero. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

function parseBrokers(raw: string): string[] {
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  if (brokers.length === 0) throw new ConfigError('KAFKA_BROKERS lists no broker');
  for (const broker of brokers) {
    const match = /^(.+):(\d{1,5})$/.exec(broker);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(`KAFKA_BROKERS entry "${broker}" is not host:port`);
    }
  }
  return brokers;
}

function parseSessionTimeout(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1000 || value > 3_600_000) {
    throw new ConfigError(`KAFKA_SESSION_TIMEOUT_MS must be an integer number of milliseconds in 1000..3600000, got "${raw}"`);
  }
  return value;
}

function parseDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL is not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  return raw;
}

function parseLogLevel(raw: string | undefined): LogLevel {
  const value = raw?.trim().toLowerCase() || 'info';
  if (value === 'debug' || value === 'info' || value === 'warn' || value === 'error') return value;
  throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error, got "${raw}"`);
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const instanceId = required(env, 'INSTANCE_ID');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(instanceId)) {
    throw new ConfigError(`INSTANCE_ID must be 1..64 characters of [A-Za-z0-9_.-], got "${instanceId}"`);
  }
  return {
    kafkaBrokers: parseBrokers(required(env, 'KAFKA_BROKERS')),
    kafkaTopic: required(env, 'KAFKA_TOPIC'),
    kafkaGroupId: required(env, 'KAFKA_GROUP_ID'),
    sessionTimeoutMs: parseSessionTimeout(required(env, 'KAFKA_SESSION_TIMEOUT_MS')),
    databaseUrl: parseDatabaseUrl(required(env, 'DATABASE_URL')),
    instanceId,
    logLevel: parseLogLevel(env.LOG_LEVEL),
  };
}
