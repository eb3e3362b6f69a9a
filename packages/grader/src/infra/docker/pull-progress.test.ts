import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatBytes, PullProgress, pullEventError, pullEvents, type PullEvent } from './pull-progress.ts';

const IMAGE = 'apache/kafka:4.1.1';

function feed(events: PullEvent[]): PullProgress {
  const progress = new PullProgress(IMAGE);
  for (const event of events) progress.update(event);
  return progress;
}

describe('PullProgress', () => {
  it('starts as resolving and ignores events without a layer id', () => {
    const progress = feed([{ status: 'Pulling from apache/kafka', id: '4.1.1' }, { status: 'Digest: sha256:abc' }]);
    expect(progress.line()).toBe(`pulling ${IMAGE}: resolving`);
  });

  it('waits until some layer reports its size', () => {
    const progress = feed([
      { status: 'Pulling fs layer', id: 'a' },
      { status: 'Waiting', id: 'b' },
    ]);
    expect(progress.line()).toBe(`pulling ${IMAGE}: waiting (2 layers to download)`);
  });

  it('aggregates the bytes of all layers into one percentage of the known total', () => {
    const progress = feed([
      { status: 'Pulling fs layer', id: 'a' },
      { status: 'Pulling fs layer', id: 'b' },
      { status: 'Pulling fs layer', id: 'c' },
      { status: 'Downloading', id: 'a', progressDetail: { current: 30e6, total: 100e6 } },
      { status: 'Downloading', id: 'b', progressDetail: { current: 10e6, total: 80e6 } },
      { status: 'Downloading', id: 'a', progressDetail: { current: 83e6, total: 100e6 } },
    ]);
    // (83 + 10) / 180
    expect(progress.line()).toBe(`pulling ${IMAGE}: 51% of 180 MB`);
    progress.update({ status: 'Download complete', id: 'a' });
    expect(progress.line()).toBe(`pulling ${IMAGE}: 61% of 180 MB`);
  });

  it('never counts a layer as more than its size, nor goes back within a layer', () => {
    const progress = feed([
      { status: 'Downloading', id: 'a', progressDetail: { current: 60e6, total: 50e6 } },
      { status: 'Downloading', id: 'b', progressDetail: { current: 25e6, total: 50e6 } },
      { status: 'Downloading', id: 'b', progressDetail: { current: 5e6, total: 50e6 } },
    ]);
    expect(progress.line()).toBe(`pulling ${IMAGE}: 75% of 100 MB`);
  });

  it('leaves cached layers out of the size and switches to extraction once all is downloaded', () => {
    const progress = feed([
      { status: 'Already exists', id: 'base' },
      { status: 'Pulling fs layer', id: 'a' },
      { status: 'Downloading', id: 'a', progressDetail: { current: 1e6, total: 2e6 } },
    ]);
    expect(progress.line()).toBe(`pulling ${IMAGE}: 50% of 2 MB`);
    progress.update({ status: 'Verifying Checksum', id: 'a' });
    expect(progress.line()).toBe(`pulling ${IMAGE}: extracting (1 of 2 layers done)`);
    progress.update({ status: 'Extracting', id: 'a', progressDetail: { current: 1, total: 2 } });
    progress.update({ status: 'Pull complete', id: 'a' });
    expect(progress.line()).toBe(`pulling ${IMAGE}: extracting (2 of 2 layers done)`);
  });
});

describe('pullEventError', () => {
  it('finds the error of an event, in either field', () => {
    expect(pullEventError({ error: 'manifest unknown', errorDetail: { message: 'manifest unknown' } })).toBe('manifest unknown');
    expect(pullEventError({ errorDetail: { message: 'unauthorized' } })).toBe('unauthorized');
    expect(pullEventError({ error: { code: 1 } })).toBe('{"code":1}');
  });

  it('finds none in progress events and non-objects', () => {
    expect(pullEventError({ status: 'Downloading', id: 'a', progressDetail: { current: 1, total: 2 } })).toBeUndefined();
    expect(pullEventError({ error: '' })).toBeUndefined();
    expect(pullEventError(null)).toBeUndefined();
    expect(pullEventError('error')).toBeUndefined();
  });
});

describe('pullEvents', () => {
  it('parses newline-delimited JSON however the chunks split it, including inside a UTF-8 character', async () => {
    const text = '{"status":"Pulling fs layer","id":"a"}\r\n\n{"status":"Downloading ✓","id":"a"}\n{"status":"last"}';
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte character
    const chunks = [bytes.subarray(0, 10), bytes.subarray(10, cut), bytes.subarray(cut)];
    const events: PullEvent[] = [];
    for await (const event of pullEvents(Readable.from(chunks))) events.push(event);
    expect(events).toEqual([{ status: 'Pulling fs layer', id: 'a' }, { status: 'Downloading ✓', id: 'a' }, { status: 'last' }]);
  });

  it('keeps a line that is not JSON as a status rather than failing', async () => {
    const events: PullEvent[] = [];
    for await (const event of pullEvents(Readable.from(['oops\n', '42\n']))) events.push(event);
    expect(events).toEqual([{ status: 'oops' }, { status: '42' }]);
  });
});

describe('formatBytes', () => {
  it('uses decimal units like docker pull', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(512_000)).toBe('512 kB');
    expect(formatBytes(180_400_000)).toBe('180 MB');
    expect(formatBytes(1_234_000_000)).toBe('1.2 GB');
  });
});
