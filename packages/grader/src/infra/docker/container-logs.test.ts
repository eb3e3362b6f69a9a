import { describe, expect, it } from 'vitest';
import { demuxDockerLogs, lastLines } from './container-logs.ts';
import { logFrame } from './fake-docker.ts';

describe('demuxDockerLogs', () => {
  it('joins stdout and stderr frames in order', () => {
    const body = Buffer.concat([logFrame('one\n', 1), logFrame('two\n', 2), logFrame('three ✓\n', 1)]);
    expect(demuxDockerLogs(body)).toBe('one\ntwo\nthree ✓\n');
  });

  it('takes a body without frame headers (a TTY container) as raw text', () => {
    expect(demuxDockerLogs(Buffer.from('plain text log line that is long enough\n'))).toBe('plain text log line that is long enough\n');
    expect(demuxDockerLogs('already text')).toBe('already text');
    expect(demuxDockerLogs(Buffer.alloc(0))).toBe('');
  });

  it('keeps a truncated last frame', () => {
    const frame = logFrame('complete line\n');
    expect(demuxDockerLogs(frame.subarray(0, frame.length - 3))).toBe('complete li');
  });
});

describe('lastLines', () => {
  it('keeps the last non-empty lines and cuts long ones', () => {
    expect(lastLines('a\n\nb\r\nc\n', 2)).toEqual(['b', 'c']);
    expect(lastLines(`${'x'.repeat(10)}\n`, 1, 5)).toEqual(['xxxx…']);
  });
});
