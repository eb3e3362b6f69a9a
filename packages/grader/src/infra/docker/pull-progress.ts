import { StringDecoder } from 'node:string_decoder';

/** One JSON object of the stream `POST /images/create` answers with. */
export interface PullEvent {
  readonly id?: string;
  readonly status?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

interface LayerState {
  total?: number;
  downloaded: number;
  downloadDone: boolean;
  complete: boolean;
  /** `Already exists`: shared with an image we have; not part of the download. */
  cached: boolean;
}

/**
 * Folds the per-layer events of one pull into a single status line such as
 * `pulling apache/kafka:4.1.1: 63% of 180 MB`. The total grows while layers report their sizes,
 * so the percentage is of the bytes known so far.
 */
export class PullProgress {
  private readonly layers = new Map<string, LayerState>();

  constructor(readonly image: string) {}

  update(event: PullEvent): void {
    const id = event.id;
    const status = event.status ?? '';
    // Events without a layer id ("Pulling from ...", "Digest: ...", "Status: ...") carry no bytes.
    if (id === undefined || id === '' || id === this.tagOf()) return;
    if (/^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)/.test(status)) {
      const layer = this.layer(id);
      const detail = event.progressDetail;
      if (status.startsWith('Downloading')) {
        if (detail?.total !== undefined && detail.total > 0) layer.total = detail.total;
        if (detail?.current !== undefined) layer.downloaded = Math.max(layer.downloaded, detail.current);
      } else if (status.startsWith('Verifying Checksum') || status.startsWith('Download complete') || status.startsWith('Extracting')) {
        layer.downloadDone = true;
      } else if (status.startsWith('Pull complete')) {
        layer.downloadDone = true;
        layer.complete = true;
      } else if (status.startsWith('Already exists')) {
        layer.cached = true;
        layer.downloadDone = true;
        layer.complete = true;
      }
    }
  }

  line(): string {
    const layers = [...this.layers.values()];
    const fetched = layers.filter((l) => !l.cached);
    if (layers.length === 0) return `pulling ${this.image}: resolving`;
    if (fetched.every((l) => l.downloadDone)) {
      const complete = layers.filter((l) => l.complete).length;
      return `pulling ${this.image}: extracting (${complete} of ${layers.length} layers done)`;
    }
    let total = 0;
    let done = 0;
    for (const layer of fetched) {
      if (layer.total === undefined) continue;
      total += layer.total;
      done += layer.downloadDone ? layer.total : Math.min(layer.downloaded, layer.total);
    }
    if (total === 0) return `pulling ${this.image}: waiting (${fetched.length} layers to download)`;
    const percent = Math.floor((done / total) * 100);
    return `pulling ${this.image}: ${percent}% of ${formatBytes(total)}`;
  }

  private layer(id: string): LayerState {
    let layer = this.layers.get(id);
    if (!layer) {
      layer = { downloaded: 0, downloadDone: false, complete: false, cached: false };
      this.layers.set(id, layer);
    }
    return layer;
  }

  /** The engine sends `{"id": "<tag>", "status": "Pulling from ..."}`; that id is not a layer. */
  private tagOf(): string {
    const slash = this.image.lastIndexOf('/');
    const colon = this.image.lastIndexOf(':');
    return colon > slash ? this.image.slice(colon + 1) : 'latest';
  }
}

/** The error an event reports, if any (a failed pull still answers HTTP 200). */
export function pullEventError(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { error, errorDetail } = event as { error?: unknown; errorDetail?: { message?: unknown } | null };
  if (typeof error === 'string' && error !== '') return error;
  if (typeof errorDetail?.message === 'string' && errorDetail.message !== '') return errorDetail.message;
  if (error !== undefined && error !== null && error !== '') return JSON.stringify(error);
  return undefined;
}

/** Decimal units, as `docker pull` prints them: `512 kB`, `180 MB`, `1.2 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/**
 * Parses the newline-delimited JSON of a pull stream, however the chunks split it. A line that is
 * not JSON is yielded as `{ status: <text> }` so nothing is lost silently.
 */
export async function* pullEvents(stream: AsyncIterable<Buffer | string>): AsyncGenerator<PullEvent> {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  const parse = (line: string): PullEvent | undefined => {
    const trimmed = line.trim();
    if (trimmed === '') return undefined;
    try {
      const parsed: unknown = JSON.parse(trimmed);
      return typeof parsed === 'object' && parsed !== null ? parsed : { status: trimmed };
    } catch {
      return { status: trimmed };
    }
  };
  for await (const chunk of stream) {
    buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const event = parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (event) yield event;
    }
  }
  const last = parse(buffer + decoder.end());
  if (last) yield last;
}
