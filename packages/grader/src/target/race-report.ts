import { basename } from 'node:path';

/**
 * The Go race detector's report in a process's output. A Go program built with `-race` prints
 * one to stderr per data race (between lines of `=`) and, with GORACE=halt_on_error=1, exits
 * with code 66 right after the first.
 */

/** The line that opens a report. */
export const RACE_WARNING = 'WARNING: DATA RACE';

/** A report longer than this is cut off (deep stacks are not needed for a failure message). */
const MAX_REPORT_LINES = 200;
/** Longer lines are cut to this; report lines are short. */
const MAX_LINE = 1000;

/** One of the two racing accesses. */
export interface RaceAccess {
  /** `Write`, `Read`, `Previous write`, `Previous read`, as printed. */
  readonly kind: string;
  readonly address: string;
  /** `goroutine 23` or `main goroutine`. */
  readonly by: string;
  /** The first frame outside the runtime (else the first frame), e.g. `main.(*stockCache).put()`. */
  readonly frame?: string;
  /** That frame's `<file basename>:<line>`, e.g. `cache.go:31`. */
  readonly location?: string;
}

/** The first race report of some output. */
export interface RaceReport {
  /** The access that raced; absent when the report was cut off before it. */
  readonly access?: RaceAccess;
  /** The earlier access it raced with. */
  readonly previous?: RaceAccess;
  /** False when the output ended (or the report was cut) before the report's closing line. */
  readonly complete: boolean;
}

const ACCESS = /^((?:Previous )?(?:atomic )?(?:read|write)) at (0x[0-9a-f]+) by (main goroutine|goroutine \d+|thread \S+):$/i;
const FILE_LINE = /^(\S.*?):(\d+)(?: \+0x[0-9a-f]+)?$/;
const CLOSING = /^={10,}$/;
/** Frames of the Go runtime and of atomics: where an access happens, never why. */
const RUNTIME_FRAME = /^(?:runtime\.|internal\/|sync\/atomic\.)/;

/** Parses the first report in `lines` (one line of output each); undefined if there is none. */
export function parseRaceReport(lines: readonly string[]): RaceReport | undefined {
  const start = lines.findIndex((line) => line.includes(RACE_WARNING));
  if (start === -1) return undefined;
  const accesses: RaceAccess[] = [];
  let current: { kind: string; address: string; by: string; frames: { frame: string; location?: string }[] } | undefined;
  const finish = (): void => {
    if (!current) return;
    const chosen = current.frames.find((f) => !RUNTIME_FRAME.test(f.frame)) ?? current.frames[0];
    accesses.push({ kind: current.kind, address: current.address, by: current.by, ...chosen });
    current = undefined;
  };
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    if (CLOSING.test(line)) {
      finish();
      return report(accesses, true);
    }
    const access = ACCESS.exec(line);
    if (access) {
      finish();
      current = { kind: access[1] ?? '', address: access[2] ?? '', by: access[3] ?? '', frames: [] };
    } else if (!current) {
      continue;
    } else if (line === '' || /^Goroutine \d+ .*created at:$/.test(line)) {
      finish();
    } else {
      const file = FILE_LINE.exec(line);
      const last = current.frames.at(-1);
      if (!file) current.frames.push({ frame: line.slice(0, 200) });
      else if (last && last.location === undefined) last.location = `${basename(file[1] ?? '')}:${file[2] ?? ''}`;
    }
  }
  finish();
  return report(accesses, false);
}

function report(accesses: readonly RaceAccess[], complete: boolean): RaceReport {
  const [access, previous] = accesses;
  return { ...(access ? { access } : {}), ...(previous ? { previous } : {}), complete };
}

/**
 * The two accesses in one line: `Write at 0x00c0001a4060 by goroutine 23 in
 * main.(*stockCache).put() cache.go:31; previous read by goroutine 25 in main.(*stockCache).get()
 * cache.go:24`, with ` (report cut off)` when the report did not end.
 */
export function describeRace(race: RaceReport): string {
  const where = (a: RaceAccess): string => (a.frame ? ` in ${a.frame}${a.location ? ` ${a.location}` : ''}` : '');
  const parts: string[] = [];
  if (race.access) parts.push(`${race.access.kind} at ${race.access.address} by ${race.access.by}${where(race.access)}`);
  if (race.previous) parts.push(`${race.previous.kind.toLowerCase()} by ${race.previous.by}${where(race.previous)}`);
  const text = parts.length > 0 ? parts.join('; ') : 'the report was cut off before the racing accesses';
  return race.complete || parts.length === 0 ? text : `${text} (report cut off)`;
}

/**
 * Keeps the lines of the first race report in a process's output, however much comes after it,
 * from chunks as they arrive (a line may span chunks; each stream is split on its own so another
 * stream's lines never land inside the report).
 */
export class RaceReportCollector {
  private readonly partial = new Map<string, string>();
  private lines?: string[];
  private stream?: string;
  private done = false;

  push(chunk: string, stream = 'output'): void {
    if (this.done) return;
    const text = (this.partial.get(stream) ?? '') + chunk;
    // The common case: no report under way and none starting here; keep only the unfinished line.
    if ((this.lines === undefined && !text.includes(RACE_WARNING)) || (this.lines !== undefined && stream !== this.stream)) {
      this.partial.set(stream, text.slice(text.lastIndexOf('\n') + 1).slice(-MAX_LINE));
      return;
    }
    const lines = text.split('\n');
    this.partial.set(stream, (lines.pop() ?? '').slice(-MAX_LINE));
    for (const line of lines) {
      this.add(line.replace(/\r$/, '').slice(0, MAX_LINE), stream);
      if (this.done) return;
    }
  }

  /** The first report so far, with the unfinished last line if the output stopped mid-line. */
  report(): RaceReport | undefined {
    if (!this.lines) return undefined;
    const tail = this.done || this.stream === undefined ? '' : (this.partial.get(this.stream) ?? '');
    return parseRaceReport(tail ? [...this.lines, tail] : this.lines);
  }

  private add(line: string, stream: string): void {
    if (!this.lines) {
      if (!line.includes(RACE_WARNING)) return;
      this.lines = [line];
      this.stream = stream;
      return;
    }
    this.lines.push(line);
    if (CLOSING.test(line.trim()) || this.lines.length >= MAX_REPORT_LINES) this.done = true;
  }
}
