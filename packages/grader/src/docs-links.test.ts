import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths.ts';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (heading) anchors.add(headingAnchor(heading[1] as string));
  }
  return anchors;
}

/** Markdown links outside code: [text](target), targets that are not URLs. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string).filter((target) => !/^[a-z]+:/i.test(target));
}

const docs = [join(REPO_ROOT, 'README.md'), join(REPO_ROOT, 'CHANGELOG.md'), ...readdirSync(join(REPO_ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => join(REPO_ROOT, 'docs', n))];

describe('README, CHANGELOG and docs/', () => {
  it('headingAnchor makes the anchors GitHub makes', () => {
    expect(headingAnchor('Without root')).toBe('without-root');
    expect(headingAnchor('Full grades (`grader run`, infra boot included)')).toBe('full-grades-grader-run-infra-boot-included');
  });

  for (const doc of docs) {
    it(`${relative(REPO_ROOT, doc)}: every relative link and anchor resolves`, () => {
      const broken: string[] = [];
      for (const link of relativeLinks(readFileSync(doc, 'utf8'))) {
        const [path = '', anchor] = link.split('#');
        const target = path ? join(dirname(doc), path) : doc;
        if (!existsSync(target)) {
          broken.push(`${link}: no such file`);
          continue;
        }
        if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no heading with that anchor`);
      }
      expect(broken).toEqual([]);
    });
  }
});
