// Builders shared by the scenario unit tests (*.check.test.ts): observations a correct target
// leaves, with a few numbers changed.

/** `base` as a Map with `changes` applied: a number replaces a value, undefined removes the key. */
export function mapWith(base: ReadonlyMap<string, number> | Readonly<Record<string, number>>, changes: Readonly<Record<string, number | undefined>> = {}): Map<string, number> {
  const map = new Map<string, number>(base instanceof Map ? base : Object.entries(base));
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }
  return map;
}

/** Outcome rows per message id: one each, `changes` overriding some (0 = no outcome row at all). */
export function outcomeRows(ids: readonly string[], changes: Readonly<Record<string, number>> = {}): Map<string, number> {
  const rows = new Map(ids.map((id) => [id, 1]));
  for (const [id, n] of Object.entries(changes)) {
    if (n === 0) rows.delete(id);
    else rows.set(id, n);
  }
  return rows;
}
