import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of `roots` and all their descendants, summed, in bytes (Linux /proc). */
export function treeRss(roots: readonly number[]): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      // Field 24 of stat (index 21 after the comm) is RSS in pages.
      rss.set(pid, Number(fields[21]) * 4096);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // exited
    }
  }
  let total = 0;
  const stack = [...roots];
  const seen = new Set<number>();
  while (stack.length) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Samples `measure()` every `intervalMs` until stopped; reports the peak. */
export class MemorySampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly measure: () => number, intervalMs = 50) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    this.peak = Math.max(this.peak, this.measure());
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
