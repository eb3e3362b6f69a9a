// Scans every port of 127.0.0.1, reaches for the internet and for the Docker and containerd
// sockets (root on the host through `docker run --privileged`); says what answered.
import { connect } from 'node:net';
import { lookup } from 'node:dns/promises';

const probe = (host, port, timeoutMs = 1500) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    // A connect to a free port of the ephemeral range can pick that port as its own source
    // port and "connect" to itself: that is no server.
    socket.once('connect', () => done(socket.localPort !== port || socket.localAddress !== host));
    socket.once('error', () => done(false));
  });

const allowed = new Set([
  ...process.env.KAFKA_BROKERS.split(',').map((b) => Number(b.split(':').pop())),
  Number(new URL(process.env.DATABASE_URL).port),
]);
const open = [];
for (let base = 1; base < 65536; base += 1000) {
  const ports = Array.from({ length: Math.min(1000, 65536 - base) }, (_, i) => base + i);
  const results = await Promise.all(ports.map((p) => probe('127.0.0.1', p, 500)));
  ports.forEach((p, i) => results[i] && open.push(p));
}
const extra = open.filter((p) => !allowed.has(p));
const outside = [];
try {
  const { address } = await lookup('registry.npmjs.org');
  if (await probe(address, 443)) outside.push(`registry.npmjs.org (${address}):443`);
} catch (error) {
  console.log(`blocked: resolving registry.npmjs.org: ${error.code}`);
}
for (const [host, port] of [['1.1.1.1', 443], ['8.8.8.8', 53], ['10.255.255.53', 53], ['192.0.2.1', 80]]) {
  if (await probe(host, port)) outside.push(`${host}:${port}`);
}
for (const path of ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock', '/var/run/docker/containerd/containerd.sock']) {
  const reached = await new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
  if (reached) outside.push(path);
}
console.log(`127.0.0.1 ports that answered: ${open.join(', ')} (allowed: ${[...allowed].join(', ')})`);
const leaked = [...extra.map((p) => `127.0.0.1:${p}`), ...outside];
console.log(`hostile: network-escape reached ${leaked.length === 0 ? 'only the run\'s servers (all else blocked)' : `LEAKED ${leaked.join(', ')}`}`);
process.exit(3);
