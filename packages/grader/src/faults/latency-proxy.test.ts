import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LatencyProxy } from './latency-proxy.ts';

describe('LatencyProxy', () => {
  it('forwards bytes in order and adds the latency to each round trip', async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const proxy = await new LatencyProxy({ upstreamHost: '127.0.0.1', upstreamPort: (echo.address() as AddressInfo).port, latencyMs: 40 }).start();
    try {
      const client = connect(proxy.port, '127.0.0.1');
      await new Promise<void>((r) => client.once('connect', r));
      let received = '';
      const started = Date.now();
      const done = new Promise<void>((r) => client.on('data', (d) => {
        received += d.toString();
        if (received.length >= 30) r();
      }));
      for (let i = 0; i < 10; i++) client.write(`m${i}|`);
      await done;
      expect(received).toBe('m0|m1|m2|m3|m4|m5|m6|m7|m8|m9|');
      expect(Date.now() - started).toBeGreaterThanOrEqual(38);
      expect(proxy.accepted).toBe(1);
      expect(proxy.cutAll()).toBe(1);
      client.destroy();
    } finally {
      await proxy.close();
      echo.close();
    }
  });

  it('gets its port from the kernel, so parallel proxies never collide', async () => {
    const proxies = await Promise.all(Array.from({ length: 8 }, () => new LatencyProxy({ upstreamHost: '127.0.0.1', upstreamPort: 1, latencyMs: 1 }).start()));
    expect(new Set(proxies.map((p) => p.port)).size).toBe(8);
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('holds at most maxConnections open for the target: one more is closed on arrival and counted; a freed slot is taken again', async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const proxy = await new LatencyProxy({ upstreamHost: '127.0.0.1', upstreamPort: (echo.address() as AddressInfo).port, latencyMs: 1, maxConnections: 2 }).start();
    /** Connects; resolves with whether the connection answers an echo (false: closed by the proxy). */
    const open = async (): Promise<{ socket: ReturnType<typeof connect>; answers: boolean }> => {
      const socket = connect(proxy.port, '127.0.0.1');
      const answers = await new Promise<boolean>((resolve) => {
        socket.once('data', () => resolve(true));
        socket.once('close', () => resolve(false));
        socket.once('connect', () => socket.write('x'));
      });
      return { socket, answers };
    };
    try {
      const first = await open();
      const second = await open();
      const third = await open();
      expect([first.answers, second.answers, third.answers]).toEqual([true, true, false]);
      expect(proxy.refused).toBe(1);
      expect(proxy.refusals()).toBe("the grader's database proxy refused 1 connection(s): the target held 2 open at once, the most it may");
      first.socket.destroy();
      await new Promise((r) => setTimeout(r, 50));
      const fourth = await open();
      expect(fourth.answers).toBe(true);
      for (const c of [second, fourth]) c.socket.destroy();
    } finally {
      await proxy.close();
      echo.close();
    }
    expect(new LatencyProxy({ upstreamHost: '127.0.0.1', upstreamPort: 1, latencyMs: 1 }).refusals()).toBeUndefined();
  });
});
