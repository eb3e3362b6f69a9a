/** Stable machine-readable error codes. Adding one is fine; renaming one breaks users' CI. */
export type ErrorCode =
  | 'USAGE'
  | 'JAVA_NOT_FOUND'
  | 'JAVA_TOO_OLD'
  | 'MAVEN_NOT_FOUND'
  | 'KAFKA_RESOLVE_FAILED'
  | 'KAFKA_HOME_INVALID'
  | 'PORT_IN_USE'
  | 'KAFKA_NOT_READY'
  | 'KAFKA_EXITED'
  | 'POSTGRES_NOT_READY'
  | 'POSTGRES_FAILED'
  | 'DOCKER_UNAVAILABLE'
  | 'DOCKER_PERMISSION_DENIED'
  | 'DOCKER_PULL_FAILED'
  | 'DOCKER_NOT_READY'
  | 'IMAGE_BUILD_FAILED'
  | 'EXTERNAL_UNREACHABLE'
  | 'INFRA_NOT_RUNNING'
  | 'WEIGHTS_NOT_FOUND'
  | 'WEIGHTS_INVALID'
  | 'INTERRUPTED'
  | 'INFRA_FAILED'
  | 'TARGET_NOT_FOUND'
  | 'TARGET_INVALID'
  | 'VALIDATION_INVALID'
  | 'SANDBOX_UNAVAILABLE'
  | 'SUBMISSIONS_INVALID'
  | 'BATCH_MISMATCH'
  | 'MACHINE_STARVED';

/** Exit codes of the CLI. `2` always means "the grader or its infrastructure failed". */
export const ExitCode = {
  ok: 0,
  belowMinScore: 1,
  infraOrUsage: 2,
  interrupted: 130,
} as const;

/**
 * An expected failure with a stable `code` and a hint for the user. The CLI prints it as one
 * line and exits with `exitCode`; anything that is not a GraderError is a bug and gets a stack.
 */
export class GraderError extends Error {
  override readonly name = 'GraderError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint: string,
    readonly exitCode: number = ExitCode.infraOrUsage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The single line the CLI prints. */
  toLine(): string {
    return `error[${this.code}]: ${this.message.replace(/\s*\n\s*/g, ' ')} (hint: ${this.hint})`;
  }
}

/** Thrown once a signal asked the run to stop; cleanup has run when the CLI sees it. */
export class InterruptedError extends GraderError {
  constructor(readonly signal: NodeJS.Signals) {
    super('INTERRUPTED', `interrupted by ${signal}`, 'everything the grader started has been stopped', ExitCode.interrupted);
  }
}

export function isGraderError(error: unknown): error is GraderError {
  return error instanceof GraderError;
}
