import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { choosePort, freePort, isPortFree } from './ports.ts';

describe('ports', () => {
  it('a port someone listens on is reported as in use, with the port in the message', async () => {
    const server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      expect(await isPortFree(port)).toBe(false);
      await expect(choosePort(port, 'the Kafka broker')).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: expect.stringContaining(`127.0.0.1:${port}`) as string,
      });
    } finally {
      server.close();
    }
  });

  it('a free requested port is used as is', async () => {
    const port = await freePort();
    expect(await choosePort(port, 'x')).toBe(port);
  });
});
