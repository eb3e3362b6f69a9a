import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { CATALOG_BY_ID } from '../checks/catalog.ts';
import { LaunchFailure } from '../target/launcher.ts';
import { STARVATION_CAP_MS } from '../target/cpu-wait.ts';
import { TargetFailure } from '../target/replica-set.ts';
import { CheckFailure, GraderFault, InfraFailure, unlessOverloaded, withCrashes } from './check-failure.ts';
import { takeOverloadNotes } from '../target/overload.ts';
import { Admission, ADMISSION_WAIT_MS } from './admission.ts';
import { ExclusiveTurn, TurnCancelled } from './exclusive-turn.ts';
import type { GradingContext } from './grading-context.ts';
import type { System } from './system.ts';
import { adoptGraderClientId } from '../infra/kafka/client-quotas.ts';

export interface ScenarioDefinition<R> {
  /** Must match the `scenario` of every check it feeds in checks/catalog.ts. */
  readonly id: string;
  /** Wall-clock budget of `run` (target start, workload, faults, drain). */
  readonly budgetMs: number;
  /** Sets up the system (System.create), drives it, and returns the observations checks judge. */
  readonly run: (ctx: GradingContext, track: (system: System) => System) => Promise<R>;
  /** check id → verdict function; throws CheckFailure (via `ensure`) to fail. */
  readonly checks: Readonly<Record<string, (observations: R) => void>>;
}

/**
 * Registers one scenario as a vitest suite: the system runs once in `beforeAll`, each check
 * is a test judging the same observations. A target failure (never ready, crashed) fails every
 * check with its reason; an infrastructure failure is marked so the run exits 2. Outside a
 * grading run (a unit test importing the file) nothing is registered: the definition is
 * returned so its verdicts can be fed observations directly.
 */
export function defineScenario<R>(definition: ScenarioDefinition<R>): ScenarioDefinition<R> {
  for (const id of Object.keys(definition.checks)) {
    const entry = CATALOG_BY_ID.get(id);
    if (!entry) throw new Error(`scenario ${definition.id} defines check ${id}, which checks/catalog.ts does not list`);
    if (entry.scenario !== definition.id) throw new Error(`check ${id} belongs to scenario ${entry.scenario} in the catalog, not ${definition.id}`);
  }
  const ctx = inject('grading') as GradingContext | undefined;
  if (ctx === undefined) return definition;
  adoptGraderClientId(ctx.graderClientId);
  describe(definition.id, () => {
    const selected = Object.keys(definition.checks).filter((id) => ctx.selected.includes(id));
    let observations: R | undefined;
    let failure: Error | undefined;
    let crashes: string[] = [];
    let refusals: string[] = [];
    let overload: string[] = [];
    const systems: System[] = [];

    const turn = ExclusiveTurn.of(ctx);
    const exclusive = turn?.isExclusive(definition.id) ?? false;
    const admission = exclusive ? undefined : Admission.of(ctx);
    // Room for readiness and drains stretched by a loaded machine (twice in restarts), for the
    // wait of a scenario that starts beside the exclusive one, and for a wait to be let in.
    const hookTimeoutMs = scenarioHookTimeoutMs(definition.budgetMs) + (turn && !exclusive ? turn.waitMs : 0) + (admission ? ADMISSION_WAIT_MS : 0);
    beforeAll(async () => {
      if (selected.length === 0) return;
      // What an earlier scenario of this worker thread noted is not this one's.
      takeOverloadNotes();
      try {
        await admission?.enter(definition.id);
        if (turn && !exclusive) await turn.started(definition.id);
        observations = await definition.run(ctx, (system) => {
          systems.push(system);
          return system;
        });
      } catch (error) {
        failure = classify(error, definition.id, systems.some((s) => s.replicas.all.length > 0));
      } finally {
        // Read before close(): replicas stopped by close() are expected exits, not crashes.
        crashes = systems.flatMap((s) => {
          try {
            return s.replicas.crashes();
          } catch {
            return [];
          }
        });
        refusals = systems.flatMap((s) => s.interventions());
        crashes.push(...refusals);
        // A database past its cap fails the scenario's checks even if its observations look right.
        const oversized = systems.find((s) => s.databaseSize.violation)?.databaseSize.violation;
        if (oversized && !failure) failure = new CheckFailure(oversized);
        await Promise.allSettled(systems.map((s) => s.close()));
        overload = takeOverloadNotes();
        admission?.leave();
        if (exclusive) turn?.finish();
        else turn?.finished(definition.id);
      }
    }, hookTimeoutMs);

    afterAll(async () => {
      await Promise.allSettled(systems.map((s) => s.close()));
    });

    for (const [id, verdict] of Object.entries(definition.checks)) {
      const test = selected.includes(id) ? it : it.skip;
      test(id, () => {
        // A failure after a wait that ran out on an overloaded machine is no verdict on the target.
        const judged = (error: CheckFailure): Error => unlessOverloaded(error, overload);
        // A target that did not come up may say why through the connections it was refused.
        const notes = failure ? refusals.filter((note) => !failure?.message.includes(note)) : [];
        if (failure instanceof CheckFailure) throw judged(notes.length > 0 ? new CheckFailure(`${failure.message}; ${notes.join('; ')}`) : failure);
        if (failure) throw failure;
        if (observations === undefined) throw new InfraFailure(`scenario ${definition.id} produced no observations`);
        try {
          verdict(observations);
        } catch (error) {
          if (error instanceof CheckFailure) throw judged(new CheckFailure(withCrashes(error.message, crashes)));
          throw error;
        }
      });
    }
  });
  return definition;
}

/** How long a scenario's set-up and run may take in all: its budget, and room for a few waits stretched by a loaded machine. */
export const scenarioHookTimeoutMs = (budgetMs: number): number => budgetMs + 60_000 + 3 * STARVATION_CAP_MS;

/**
 * A target failure fails the checks; so does anything that breaks once the target's replicas
 * run (its database is its own to break: dropped tables, held locks, a flood of connections).
 * Before that, a failure is the grader's own (setting up the namespace, seeding).
 */
function classify(error: unknown, scenario: string, targetStarted: boolean): Error {
  if (error instanceof TargetFailure || error instanceof CheckFailure || error instanceof TurnCancelled) return new CheckFailure(error.message);
  if (error instanceof LaunchFailure) return new GraderFault(`scenario ${scenario}: ${error.message}`, { cause: error });
  const message = error instanceof Error ? error.message.replace(InfraFailure.PREFIX, '') : String(error);
  if (targetStarted) return new CheckFailure(`scenario ${scenario} broke while the target ran: ${message}`);
  if (error instanceof InfraFailure) return error;
  return new InfraFailure(`scenario ${scenario} broke: ${message}`, { cause: error });
}

/**
 * Runs one check of `definition` on `observations` outside a grading run: "passed", or the
 * failure message a report would show. Anything but a CheckFailure is rethrown (a broken verdict).
 */
export function judge<R>(definition: ScenarioDefinition<R>, id: string, observations: R): string {
  const verdict = definition.checks[id];
  if (!verdict) throw new Error(`scenario ${definition.id} has no check ${id}`);
  try {
    verdict(observations);
  } catch (error) {
    if (error instanceof CheckFailure) return error.message;
    throw error;
  }
  return 'passed';
}
