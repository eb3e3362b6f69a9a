import { randomBytes } from 'node:crypto';

let clientId = `grader-${randomBytes(6).toString('hex')}`;

/**
 * The client id of every Kafka client of this grader process, random per process: the only id the
 * broker's quotas exempt. Targets are told nothing about it (the contract gives them brokers, a
 * topic and a group). The checks run in vitest worker threads, which load this module afresh:
 * they adopt the main thread's id from their GradingContext (engine/scenario.ts).
 */
export function graderClientId(): string {
  return clientId;
}

/** In a worker thread: use the id the main thread set the quotas for. */
export function adoptGraderClientId(id: string): void {
  clientId = id;
}

/**
 * Kafka's client quotas for everything but the grader, on the brokers the grader starts. Set on the
 * default user principal, so they are shared by every client of that principal whatever client id
 * it picks (without authentication every client is User:ANONYMOUS): one submission's replicas, in
 * every scenario at once, share them. Sized far above what a correct target uses (targets only
 * consume; a grade's scenarios produce a few MB at most), and checked by grading the reference
 * fix with quotas ten times smaller (docs/security.md).
 */
export const TARGET_CLIENT_QUOTAS = {
  /** Bytes a second targets may produce (the contract never asks them to). */
  producer_byte_rate: 1024 * 1024,
  /** Bytes a second targets may fetch. */
  consumer_byte_rate: 16 * 1024 * 1024,
  /** Share of one broker thread's time targets' requests may take, in percent. */
  request_percentage: 100,
  // No controller_mutation_rate: throttling a target's CreateTopics (forwarded to the controller in
  // KRaft) held the grader's own topic deletions for 250 s; a topic flood is answered by the
  // tidy-up between submissions instead (engine/grade-submission.ts).
} as const;

/** What the grader's own client id may do: nothing a grade comes near. */
const UNBOUNDED = { producer_byte_rate: 2 ** 40, consumer_byte_rate: 2 ** 40, request_percentage: 1_000_000 } as const;

function configs(quotas: Readonly<Record<string, number>>): string {
  return Object.entries(quotas).map(([key, value]) => `${key}=${value}`).join(',');
}

/**
 * Arguments of Kafka's ConfigCommand (kafka-configs.sh), one list per invocation: the quotas of the
 * default user, then the grader's exemption (user default + its client id, which takes precedence).
 */
export function clientQuotaCommands(bootstrapServer: string, exempt: string = graderClientId()): string[][] {
  const alter = ['--bootstrap-server', bootstrapServer, '--alter', '--entity-type', 'users', '--entity-default'];
  return [
    [...alter, '--add-config', configs(TARGET_CLIENT_QUOTAS)],
    [...alter, '--entity-type', 'clients', '--entity-name', exempt, '--add-config', configs(UNBOUNDED)],
  ];
}
