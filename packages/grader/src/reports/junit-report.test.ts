import { describe, expect, it } from 'vitest';
import { renderJunitReport } from './junit-report.ts';
import { reportData } from './test-fixture.ts';

/** The attributes of the first element named `tag` whose attributes contain `match`. */
function attrs(xml: string, tag: string, match = ''): Record<string, string> {
  const element = [...xml.matchAll(new RegExp(`<${tag} ([^>]*?)/?>`, 'g'))].map((m) => m[1] ?? '').find((a) => a.includes(match));
  if (element === undefined) throw new Error(`no <${tag}> with ${match}`);
  return Object.fromEntries([...element.matchAll(/([\w.]+)="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
}

describe('renderJunitReport', () => {
  const xml = renderJunitReport(reportData());

  it('has one testsuite per category with results, with counts', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(attrs(xml, 'testsuites')).toMatchObject({ name: 'inventory-grader', tests: '4', failures: '2', skipped: '1', time: '12.345' });
    expect([...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1])).toEqual(['race_conditions', 'isolation', 'locking']);
    expect(attrs(xml, 'testsuite', 'race_conditions')).toMatchObject({ tests: '2', failures: '1', skipped: '0', time: '2.468', timestamp: '2025-01-02T03:04:05.678Z' });
    expect(xml).toContain('<property name="seed" value="42"/>');
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  it('uses CheckResult.message as the failure message, escaped', () => {
    expect(attrs(xml, 'failure')).toEqual({
      message: 'Lost updates: expected &lt;126&gt; &amp; got &quot;98&quot; (&apos;sku&apos; A\uFFFD)&#10;second line',
      type: 'CheckFailed',
    });
    expect(xml).toContain('>Lost updates: expected &lt;126&gt; &amp; got "98" (\'sku\' A\uFFFD)\nsecond line\nrace.lost_updates: catches race.lost_updates</failure>');
    expect(xml).toContain('<failure message="Dirty reads seen: 3 of 50 samples"');
    expect(xml).not.toContain('<126>');
    expect(xml).not.toContain('\u0007');
  });

  it('marks skipped checks and leaves passed ones empty', () => {
    expect(xml).toContain('<testcase name="locking.fair" classname="locking" time="1.234">\n      <skipped/>\n    </testcase>');
    expect(xml).toContain('<testcase name="race.never_negative" classname="race_conditions" time="1.234"/>');
  });

  it('has one testcase per check per run with repeats, named by run', () => {
    const repeated = renderJunitReport(reportData(3));
    expect(repeated.match(/<testcase /g)).toHaveLength(12);
    expect(repeated).toContain('name="race.lost_updates [run 1]"');
    expect(repeated).toContain('name="race.lost_updates [run 3]"');
    expect(attrs(repeated, 'testsuites')).toMatchObject({ tests: '12', failures: '4', skipped: '3' });
  });
});
