import type { InfraEndpoints } from '../infra/infra.ts';
import type { SandboxSpec } from '../sandbox/sandbox-command.ts';
import type { TargetSpec } from '../target/target-spec.ts';
import type { AdmissionSpec } from './admission.ts';
import type { ExclusiveSpec } from './exclusive-turn.ts';

/** Everything a check file needs from the grading run; handed to vitest workers with `provide`. */
export interface GradingContext {
  readonly endpoints: InfraEndpoints;
  readonly target: TargetSpec;
  /** Seeds every workload: the same seed produces the same messages in the same partitions. */
  readonly seed: number;
  /** Replica logs go below `<runDir>/<scenario>/`. */
  readonly runDir: string;
  /** Check ids to run; the others are reported as skipped and their scenarios not run. */
  readonly selected: readonly string[];
  /** Where replicas run; absent with --no-sandbox (the grader's own user, uncontained). */
  readonly sandbox?: SandboxSpec;
  /** The Kafka client id the broker's quotas exempt (infra/kafka/client-quotas.ts), for the workers' clients. */
  readonly graderClientId: string;
  /** Set when the scenario that measures alone (throughput) is selected: how the others wait for it. */
  readonly exclusive?: ExclusiveSpec;
  /** How many scenarios work at once, by how busy the machine is (engine/admission.ts); absent: as many as vitest runs. */
  readonly admission?: AdmissionSpec;
}

declare module 'vitest' {
  export interface ProvidedContext {
    grading: GradingContext;
  }
}
