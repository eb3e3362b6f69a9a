// Writes until the disk is full, in its own directory and in /tmp; then says how far it got.
import { writeSync, openSync, closeSync } from 'node:fs';

const chunk = Buffer.alloc(16 * 1024 * 1024, 7);
let written = 0;
let stop = 'never';
for (const dir of [process.cwd(), '/tmp']) {
  try {
    for (let i = 0; ; i++) {
      const fd = openSync(`${dir}/fill-${process.env.INSTANCE_ID}-${i}`, 'w');
      try {
        writeSync(fd, chunk);
        written += chunk.length;
      } finally {
        closeSync(fd);
      }
    }
  } catch (error) {
    stop = error.code ?? error.message;
  }
}
console.log(`hostile: disk-filler wrote ${Math.round(written / 1024 / 1024)} MiB before ${stop}`);
process.exit(3);
