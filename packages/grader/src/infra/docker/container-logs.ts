import type Dockerode from 'dockerode';

/**
 * Turns the body of `GET /containers/{id}/logs` into text. Without a TTY the engine multiplexes
 * stdout and stderr in frames of an 8-byte header (stream type, 3 zero bytes, big-endian length)
 * followed by the payload; anything that does not parse as frames is taken as raw text.
 */
export function demuxDockerLogs(body: Buffer | string): string {
  if (typeof body === 'string') return body;
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const type = body[offset];
    const valid = (type === 0 || type === 1 || type === 2) && body[offset + 1] === 0 && body[offset + 2] === 0 && body[offset + 3] === 0;
    if (!valid) return parts.length === 0 ? body.toString('utf8') : Buffer.concat([...parts, body.subarray(offset)]).toString('utf8');
    const length = body.readUInt32BE(offset + 4);
    parts.push(body.subarray(offset + 8, Math.min(body.length, offset + 8 + length)));
    offset += 8 + length;
  }
  if (offset < body.length && parts.length === 0) return body.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}

/** The last `count` non-empty lines, each cut to `width` characters. */
export function lastLines(text: string, count: number, width = 240): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
}

/** The container's combined stdout+stderr so far (`tail` lines, or all). */
export async function readContainerLogs(container: Dockerode.Container, tail?: number): Promise<string> {
  const body = await container.logs({ stdout: true, stderr: true, follow: false, ...(tail !== undefined ? { tail } : {}) });
  return demuxDockerLogs(body);
}
