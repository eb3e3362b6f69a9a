import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../paths.ts';
import { commandLine } from './main.ts';
import { checkNumericArgs, optionTable } from './options.ts';
import { createOutput } from './output.ts';

/** Thrown by a middleware that runs once yargs has validated a command line, instead of its command. */
class Parsed extends Error {}

/**
 * Every `grader ...` command line in code of a markdown text (and whether it is a fenced line, a
 * whole command, or inline code, which may name a command or flag alone): fenced lines and inline code that
 * start with `pnpm grader`, `grader` or `node packages/grader/bin/grader.js`, with comments,
 * pipes and redirections cut off and `\` continuations joined.
 */
export function commandLines(markdown: string): { line: string; fenced: boolean }[] {
  const code: { text: string; fenced: boolean }[] = [];
  let fenced = false;
  let pending = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      const joined = pending + line;
      if (joined.trimEnd().endsWith('\\')) {
        pending = `${joined.trimEnd().slice(0, -1)} `;
        continue;
      }
      pending = '';
      code.push({ text: joined, fenced: true });
    } else {
      code.push(...[...line.matchAll(/`([^`\n]+)`/g)].map((m) => ({ text: m[1] as string, fenced: false })));
    }
  }
  const lines: { line: string; fenced: boolean }[] = [];
  for (const { text, fenced } of code) {
    for (const part of text.split(/&&|;|\|\|?/)) {
      const m = /^\s*(?:\$ )?(?:[A-Z_]+=\S+ )*(?:sudo )?(?:as_user |runuser -u \S+ -- )?(?:pnpm grader|node packages\/grader\/bin\/grader\.js|grader)((?: [^#>]*)?)$/.exec(part.replace(/\s+#.*$/, '').replace(/\s*[12]?>.*$/, ''));
      const rest = (m?.[1] ?? '').trim().replace(/\s+/g, ' ');
      // Inline `grader` alone names the CLI, not a command line.
      if (m && (fenced || rest !== '')) lines.push({ line: `grader ${rest}`.trimEnd(), fenced });
    }
  }
  return lines;
}

/** Shell words of a line, quotes removed; placeholders (`...`, `N`, `[--flag X]`) made parseable. */
function words(line: string): string[] {
  const out = [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '').slice(1);
  const numeric = new Set(Object.entries(optionTable).filter(([, o]) => o.type === 'number').map(([name]) => `--${name}`));
  return out
    .map((w) => w.replace(/^\[|\]$/g, ''))
    .map((w, i, all) => (numeric.has(all[i - 1] ?? '') && /^([A-Z]+|\.\.\.|<[^>]+>)$/.test(w) ? '1' : w === '...' ? 'x' : w));
}

const docs = [join(REPO_ROOT, 'README.md'), ...readdirSync(join(REPO_ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => join(REPO_ROOT, 'docs', n))];

/** Undefined when `line` parses as the CLI would parse it, else why not. */
async function parseError(line: string): Promise<string | undefined> {
  const argv = words(line);
  try {
    checkNumericArgs(argv);
    await commandLine(argv, createOutput())
      .exitProcess(false)
      .middleware(() => {
        throw new Parsed();
      }, false)
      .parseAsync();
    // Only --help gets here: it printed the help and ran no command.
    return argv.includes('--help') || argv.includes('-h') ? undefined : 'parsed without reaching a command';
  } catch (error) {
    if (error instanceof Parsed) return undefined;
    return error instanceof Error ? error.message : String(error);
  }
}

describe('the grader command lines in README and docs/', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('finds command lines in code, not in prose, and cuts comments, pipes and continuations', () => {
    const markdown = [
      'The grader runs a target (prose).',
      'Run `pnpm grader run --target buggy-service` or `grader validate --repeat N`.',
      '```bash',
      'pnpm grader batch --submissions a/ \\',
      '  --out results/   # the batch',
      'pnpm grader leaderboard results/ --format json | jq .',
      'cd x && pnpm grader infra status',
      '```',
    ].join('\n');
    expect(commandLines(markdown).map((c) => c.line)).toEqual(['grader run --target buggy-service', 'grader validate --repeat N', 'grader batch --submissions a/ --out results/', 'grader leaderboard results/ --format json', 'grader infra status']);
    expect(commandLines(markdown).map((c) => c.fenced)).toEqual([false, false, true, true, true]);
  });

  it('fails on an unknown command or flag (the test can fail)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await parseError('grader run --target x --no-such-flag')).toMatch(/Unknown argument/);
    expect(await parseError('grader grade --target x')).toBeDefined();
    expect(await parseError('grader run --target x --repeat many')).toBeDefined();
    expect(await parseError('grader run --target x --repeat N')).toBeUndefined();
  });

  for (const doc of docs) {
    const lines = commandLines(readFileSync(doc, 'utf8'));
    if (lines.length === 0) continue;
    it(`${relative(REPO_ROOT, doc)}: its ${lines.length} command line(s) parse`, async () => {
      vi.spyOn(console, 'log').mockImplementation(() => undefined);
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const broken: string[] = [];
      for (const { line, fenced } of lines) {
        const why = await parseError(line);
        // Inline code may name a command or a flag without the rest of its line (`grader run --json`).
        if (why && !(!fenced && /^(Missing required argument|Not enough non-option arguments)/.test(why))) broken.push(`${line}: ${why}`);
      }
      expect(broken).toEqual([]);
    });
  }
});
