import { describe, expect, it } from 'vitest';
import { ATOMIC_RACE, FIELD_RACE, MAP_RACE } from '../../test/helpers/race-reports.ts';
import { describeRace, parseRaceReport, RaceReportCollector } from './race-report.ts';

const lines = (text: string): string[] => text.split('\n');
const describe1 = (text: string): string | undefined => {
  const report = parseRaceReport(lines(text));
  return report && describeRace(report);
};

describe('parseRaceReport and describeRace', () => {
  it('a map race: each access with its first frame outside the runtime and its file:line', () => {
    expect(describe1(`{"level":"info","msg":"consumer ready"}\n${MAP_RACE}exit status 66\n`)).toBe(
      'Write at 0x00c0001a4060 by goroutine 23 in main.(*stockCache).put() cache.go:31; previous read by goroutine 25 in main.(*stockCache).get() cache.go:24',
    );
  });

  it('a race on a struct field through a method', () => {
    expect(describe1(FIELD_RACE)).toBe('Read at 0x00c00009e018 by goroutine 9 in main.(*processor).track() processor.go:33; previous write by goroutine 8 in main.(*processor).track() processor.go:33');
  });

  it('the main goroutine, and a stack of only sync/atomic frames (then its first frame)', () => {
    expect(parseRaceReport(lines(ATOMIC_RACE))).toEqual({
      access: { kind: 'Read', address: '0x000000620318', by: 'main goroutine', frame: 'main.main()', location: 'main.go:16' },
      previous: { kind: 'Previous write', address: '0x000000620318', by: 'goroutine 8', frame: 'sync/atomic.AddInt64()', location: 'race_amd64.s:289' },
      complete: true,
    });
  });

  it('a report cut off by log truncation says so, with what it has', () => {
    const cut = lines(MAP_RACE).slice(0, 12);
    expect(describe1(cut.join('\n'))).toBe('Write at 0x00c0001a4060 by goroutine 23 in main.(*stockCache).put() cache.go:31 (report cut off)');
    // Cut inside the first stack: a frame line without its file line.
    expect(describe1(lines(MAP_RACE).slice(0, 6).join('\n'))).toBe('Write at 0x00c0001a4060 by goroutine 23 in main.(*stockCache).put() (report cut off)');
    expect(describe1('==================\nWARNING: DATA RACE\nWrit')).toBe('the report was cut off before the racing accesses');
  });

  it('quotes the first of several reports, and finds none in ordinary output', () => {
    expect(describe1(`${FIELD_RACE}${MAP_RACE}`)).toMatch(/^Read at 0x00c00009e018 by goroutine 9 in main\.\(\*processor\)\.track\(\)/);
    expect(parseRaceReport(['starting', 'consumer ready', 'Write at 0x1 by goroutine 2:'])).toBeUndefined();
    expect(parseRaceReport([])).toBeUndefined();
  });

  it('reads lines with Windows line ends', () => {
    expect(describe1(MAP_RACE.replaceAll('\n', '\r\n'))).toMatch(/^Write at 0x00c0001a4060 by goroutine 23 in main\.\(\*stockCache\)\.put\(\) cache\.go:31; previous read/);
  });
});

describe('RaceReportCollector', () => {
  it('keeps the first report whole however much output follows, from chunks split mid-line', () => {
    const collector = new RaceReportCollector();
    const output = `${'log line\n'.repeat(100)}${MAP_RACE}${'after\n'.repeat(500)}${FIELD_RACE}`;
    for (let at = 0; at < output.length; at += 7) collector.push(output.slice(at, at + 7), 'stderr');
    expect(collector.report()).toEqual(parseRaceReport(lines(MAP_RACE)));
    expect(collector.report()?.complete).toBe(true);
  });

  it('never mixes another stream\'s lines into the report', () => {
    const collector = new RaceReportCollector();
    const [head = '', rest = ''] = [MAP_RACE.slice(0, 120), MAP_RACE.slice(120)];
    collector.push(head, 'stderr');
    collector.push('Previous write at 0xdead by goroutine 99:\n  main.intruder()\n', 'stdout');
    collector.push(rest, 'stderr');
    expect(describeRace(collector.report() ?? { complete: false })).toMatch(/previous read by goroutine 25 in main\.\(\*stockCache\)\.get\(\) cache\.go:24$/);
  });

  it('has nothing without a report, and the unfinished last line while the report is being printed', () => {
    const collector = new RaceReportCollector();
    collector.push('consumer ready\nWARNING: DATA', 'stderr');
    expect(collector.report()).toBeUndefined();
    collector.push(' RACE\nWrite at 0x00c0001a4060 by goroutine 23:\n  main.(*stockCache).put()\n      /tmp/x/cache.go:3', 'stderr');
    expect(describeRace(collector.report() ?? { complete: true })).toBe('Write at 0x00c0001a4060 by goroutine 23 in main.(*stockCache).put() cache.go:3 (report cut off)');
  });
});
