// Allocates and touches memory without bound.
const held = [];
let mib = 0;
setInterval(() => {
  for (let i = 0; i < 4; i++) {
    held.push(Buffer.alloc(64 * 1024 * 1024, 1));
    mib += 64;
  }
  if (mib % 1024 === 0) console.log(`hostile: memory-hog holds ${mib} MiB`);
}, 10);
