// Opens and holds thousands of idle TCP connections to the database address it is given (the
// grader's latency proxy) and to the broker, as fast as it can, then keeps them; says how many
// each side let it hold.
import { connect } from 'node:net';

const db = new URL(process.env.DATABASE_URL);
const broker = process.env.KAFKA_BROKERS.split(',')[0].split(':');
const held = { database: 0, broker: 0 };
const closed = { database: 0, broker: 0 };
const open = (what, host, port) =>
  new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      held[what] += 1;
      resolve();
    });
    socket.once('close', () => {
      closed[what] += 1;
      resolve();
    });
    socket.on('error', () => undefined);
  });
for (let i = 0; i < 2000; i += 100) {
  await Promise.all(Array.from({ length: 100 }, () => [open('database', db.hostname, db.port), open('broker', broker[0], broker[1])]).flat());
}
setTimeout(() => console.log(`hostile: connection-hog opened ${held.database} database and ${held.broker} broker connections; ${closed.database} and ${closed.broker} of them were closed on it`), 2000);
setInterval(() => undefined, 1000);
