import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface LatencyProxyOptions {
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  /** Added to every chunk the target sends to the server (so to every query round trip). */
  readonly latencyMs: number;
  /** Connections the target may hold open at once; one more is closed as soon as it is accepted. */
  readonly maxConnections?: number;
}

/**
 * A TCP proxy on 127.0.0.1 that delays target→PostgreSQL traffic by a fixed latency, keeping
 * byte order. It widens every read-to-write gap of a target by at least one round trip, which
 * is what makes lost updates and check-then-act races show up in every run rather than some.
 */
export class LatencyProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private open = 0;
  private refusedCount = 0;
  private delayed = 0;
  port = 0;

  constructor(private readonly options: LatencyProxyOptions) {}

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    // Port 0: the kernel picks a free port atomically (a chosen-then-bound port can be taken
    // in between by a scenario running in parallel).
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Chunks from the target held back for their latency, not yet written to the server. */
  get inFlight(): number {
    return this.delayed;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.connections;
  }

  /** Connections closed on arrival because maxConnections were open. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Why the target lost connections here, for its failure messages; undefined if it did not. */
  refusals(): string | undefined {
    if (this.refusedCount === 0) return undefined;
    return `the grader's database proxy refused ${this.refusedCount} connection(s): the target held ${this.options.maxConnections} open at once, the most it may`;
  }

  /** Rewrites a postgres URL to go through the proxy. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  private accept(client: Socket): void {
    if (this.options.maxConnections !== undefined && this.open >= this.options.maxConnections) {
      this.refusedCount += 1;
      client.destroy();
      return;
    }
    this.open += 1;
    client.once('close', () => (this.open -= 1));
    this.connections += 1;
    const upstream = createConnection({ host: this.options.upstreamHost, port: this.options.upstreamPort });
    this.sockets.add(client);
    this.sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let lastDelivery = 0;
    client.on('data', (chunk) => {
      // Constant latency with a monotonic delivery time keeps the byte stream in order.
      const deliverAt = Math.max(Date.now() + this.options.latencyMs, lastDelivery);
      lastDelivery = deliverAt;
      this.delayed += 1;
      setTimeout(() => {
        this.delayed -= 1;
        if (!upstream.destroyed) upstream.write(chunk);
      }, deliverAt - Date.now());
    });
    upstream.on('data', (chunk) => {
      if (!client.destroyed) client.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', () => setTimeout(close, this.options.latencyMs));
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }

  /** Drops every open connection at once, like a network cut. */
  cutAll(): number {
    const count = this.sockets.size / 2;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return count;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
