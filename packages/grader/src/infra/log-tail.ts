import { appendFileSync } from 'node:fs';

/** Keeps the last lines a component printed (for error messages) and mirrors all to a file. */
export class LogTail {
  private readonly lines: string[] = [];
  private text = '';
  private pending = '';

  constructor(
    private readonly maxLines = 200,
    private readonly file?: string,
  ) {}

  push(chunk: string | Buffer): void {
    const data = chunk.toString();
    if (this.file) appendFileSync(this.file, data);
    // Keep everything for readiness matching, but cap it: logs can be large.
    this.text = (this.text + data).slice(-200_000);
    this.pending += data;
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  all(): string {
    return this.text;
  }

  /** The last `n` non-empty lines joined with ' | ' (one-line error messages). */
  last(n = 3): string {
    const tail = [...this.lines, this.pending].filter((l) => l.trim());
    return tail.slice(-n).join(' | ').slice(0, 600);
  }
}
