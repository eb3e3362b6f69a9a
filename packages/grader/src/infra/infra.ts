/** Connection settings of a running Kafka + PostgreSQL pair. */
export interface InfraEndpoints {
  /** `host:port` bootstrap servers reachable from this machine. */
  readonly kafkaBrokers: readonly string[];
  /** Superuser URL of the `postgres` database; namespaces create their own databases from it. */
  readonly databaseUrl: string;
}

/** Which implementation provides the infrastructure. */
export type InfraKind = 'local' | 'docker' | 'external';

/** Progress and diagnostics sink; infra code never writes to stdout itself. */
export interface InfraLogger {
  info(message: string): void;
  /** A transient status line (e.g. download progress); plain output may drop these. */
  progress(message: string): void;
  warn(message: string): void;
}

export const silentLogger: InfraLogger = { info() {}, progress() {}, warn() {} };

/**
 * A provider that has not been started. `start()` boots (or connects to) Kafka and Postgres,
 * waits until both are ready and returns the started handle; on any failure it has already
 * stopped whatever it started before it rethrows.
 */
export interface Infra {
  readonly kind: InfraKind;
  /** `signal` aborts a start in progress (providers that cannot be killed synchronously use it). */
  start(signal?: AbortSignal): Promise<StartedInfra>;
}

/** The only object that exposes connection details. `stop()` is idempotent. */
export interface StartedInfra extends AsyncDisposable {
  readonly kind: InfraKind;
  /** Identifies this boot in session files, temp dirs, container labels and logs. */
  readonly sessionId: string;
  readonly endpoints: InfraEndpoints;
  /** Milliseconds spent booting each component (0 for external services). */
  readonly bootTimes: { readonly kafkaMs: number; readonly postgresMs: number };
  /**
   * What is wrong with the servers now, one line per component ("Kafka: the broker process was
   * killed by SIGKILL", "PostgreSQL: no answer within 10 s: ..."); empty when both answer.
   */
  health(): Promise<string[]>;
  /**
   * Restarts the components health() reports as down, so the next scenario or submission gets
   * working servers; `endpoints` may change. Throws INFRA_FAILED when it cannot.
   */
  recover(): Promise<void>;
  /**
   * Replaces both servers with fresh ones (a broker with an empty log dir, a new PostgreSQL
   * cluster), whatever health() says: for damage the health checks do not see. `endpoints` change.
   * Throws INFRA_FAILED when it cannot (external servers are not the grader's to replace).
   */
  replace(why: string): Promise<void>;
  /** Bytes in the broker's log dir (undefined where the grader cannot see it: external servers). */
  kafkaLogBytes(): Promise<number | undefined>;
  stop(): Promise<void>;
}
