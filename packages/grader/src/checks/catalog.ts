import type { Category, CheckDefinition } from '../scoring/types.ts';

const c = (scenario: string, category: Category, id: string, description: string): CheckDefinition => ({ id, category, description, scenario });

/**
 * Every check the grader runs: stable id, category, what it catches, and the scenario whose
 * single run feeds it. weights.json must list exactly these ids. The README table is this list.
 */
export const CATALOG: readonly CheckDefinition[] = [
  // sequential: 1 replica, one partition, so the contract fixes every outcome in order.
  c('sequential', 'race_conditions', 'race.sequential_final_stock', 'one replica, one partition: final stock equals the in-order model exactly'),
  c('sequential', 'atomic_operations', 'atomic.sequential_outcomes', 'one replica, one partition: every message gets the outcome the in-order model gives (applied/rejected)'),
  c('sequential', 'atomic_operations', 'atomic.rejected_has_no_effect', 'a rejected sale or order leaves every SKU it names untouched'),
  c('sequential', 'idempotency', 'idempotency.invalid_recorded_once', 'each invalid message (bad JSON, bad fields, unknown SKU) is recorded once as invalid'),
  c('sequential', 'consumer_offsets', 'consumer_offsets.poison_does_not_stall', 'messages behind a poison message on the same partition are still processed'),
  // hot_sku: one SKU on all six partitions, three replicas, 8 ms added per DB round trip.
  c('hot_sku', 'race_conditions', 'race.hot_sku_restocks_conserved', 'concurrent restocks of one SKU from three replicas lose no update'),
  c('hot_sku', 'race_conditions', 'race.hot_sku_all_applied', 'every restock of the hot SKU is recorded as applied'),
  c('hot_sku', 'idempotency', 'idempotency.hot_sku_one_outcome_each', 'each restock of the hot SKU has exactly one outcome row'),
  // oversell: unit sales far beyond stock, spread over replicas.
  c('oversell', 'race_conditions', 'race.oversell_never_negative', 'stock never goes below zero, sampled throughout the run'),
  c('oversell', 'race_conditions', 'race.oversell_sold_exactly_stock', 'exactly as many unit sales are applied as there was stock (no oversell, no spurious rejection)'),
  c('oversell', 'race_conditions', 'race.oversell_conserved', 'final stock equals seeded stock minus the applied sales'),
  // orders: multi-line orders competing for scarce SKUs.
  c('orders', 'race_conditions', 'race.orders_conserved', 'final stock equals seeded stock minus the lines of applied orders'),
  c('orders', 'race_conditions', 'race.orders_never_negative', 'concurrent orders never drive a stock below zero, sampled throughout'),
  c('orders', 'isolation', 'isolation.orders_no_write_skew', 'orders that each checked stock never together take more than there was'),
  c('orders', 'isolation', 'isolation.snapshot_consistent', 'in every snapshot, stock matches the applied outcomes visible in it (no partial or uncommitted effects)'),
  c('orders', 'atomic_operations', 'atomic.orders_all_or_nothing', 'an order that cannot be filled takes nothing, however many lines it has'),
  c('orders', 'isolation', 'isolation.no_spurious_rejection', 'orders with ample stock are applied, even when concurrent orders conflict (retry on 40001/40P01)'),
  // duplicates: every message delivered on all six partitions, so copies reach every replica.
  c('duplicates', 'idempotency', 'idempotency.duplicate_adjustments_applied_once', 'an adjustment delivered six times changes stock once'),
  c('duplicates', 'idempotency', 'idempotency.duplicate_orders_applied_once', 'an order delivered six times takes stock once'),
  c('duplicates', 'idempotency', 'idempotency.one_outcome_per_id', 'every message id delivered several times has exactly one outcome row'),
  // restart: SIGKILL every replica mid-stream, restart, then replay old messages.
  c('restart', 'consumer_offsets', 'consumer_offsets.nothing_lost_after_kill', 'after SIGKILL mid-stream and restart, every message gets its outcome'),
  c('restart', 'idempotency', 'idempotency.no_double_apply_after_kill', 'messages redelivered after SIGKILL are not applied twice'),
  c('restart', 'idempotency', 'idempotency.dedup_survives_restart', 'a message id seen before the restart is not applied again after it'),
  c('restart', 'consumer_offsets', 'consumer_offsets.commit_after_durable', 'an offset is never committed before the outcome of the messages it covers is durable'),
  c('restart', 'consumer_offsets', 'consumer_offsets.committed_to_end', 'once drained, the group has committed every partition to its end'),
  // db_drops: the database terminates the target's connections three times.
  c('db_drops', 'atomic_operations', 'atomic.no_loss_on_connection_drop', 'no message is skipped (offset passed, no outcome) when its connection is terminated'),
  c('db_drops', 'atomic_operations', 'atomic.no_double_apply_on_connection_drop', 'a message retried after a terminated connection is applied once'),
  c('db_drops', 'consumer_offsets', 'consumer_offsets.progress_after_connection_drop', 'processing resumes on every partition after connections are terminated (no leaked pool)'),
  // rebalance: replicas join and leave (SIGTERM) while messages flow.
  c('rebalance', 'race_conditions', 'race.conserved_across_rebalances', 'stock is conserved while replicas join and leave'),
  c('rebalance', 'idempotency', 'idempotency.exactly_once_across_rebalances', 'each message has exactly one outcome across rebalances'),
  c('rebalance', 'consumer_offsets', 'consumer_offsets.sigterm_drains_and_leaves', 'on SIGTERM a replica exits 0 within 10 s and leaves the group at once'),
  // throughput: many SKUs, 10 ms per DB round trip; ratios measured in the same run.
  c('throughput', 'locking', 'locking.partitions_in_parallel', 'one replica processes six busy partitions at least 1.25 times as fast as one (a global lock measures x1.0)'),
  c('throughput', 'locking', 'locking.replicas_in_parallel', 'three replicas process at least 1.25 times as fast as one replica on one partition (no lock across replicas)'),
  // deadlock: crossed 3-line orders lined up by a row lock the grader holds, three replicas, +20 ms.
  c('deadlock', 'locking', 'locking.crossed_orders_applied', 'orders listing the same SKUs in opposite orders are all applied: deadlocks avoided (consistent lock order) or retried, never rejected'),
  // load: thousands of mixed messages, duplicates and invalid ones, three replicas.
  c('load', 'load_stress', 'load_stress.conserved', 'under load, final stock equals seeded stock plus the effects of applied messages'),
  c('load', 'load_stress', 'load_stress.exactly_once', 'under load, every message id has exactly one outcome'),
  c('load', 'load_stress', 'load_stress.never_negative', 'under load, stock never goes below zero'),
  c('load', 'load_stress', 'load_stress.completes', 'under load, every message is processed within the scenario budget'),
  c('load', 'load_stress', 'load_stress.snapshot_consistent', 'under load, every snapshot shows stock and applied outcomes agreeing'),
  c('load', 'load_stress', 'load_stress.survives_connection_drops', 'under load, terminated database connections crash no replica (it reconnects and goes on)'),
];

export const CATALOG_BY_ID: ReadonlyMap<string, CheckDefinition> = new Map(CATALOG.map((d) => [d.id, d]));
