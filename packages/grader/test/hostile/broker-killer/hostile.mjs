// Its second replica SIGKILLs whatever Kafka and PostgreSQL processes it can see.
import { readdirSync, readFileSync } from 'node:fs';

if (process.env.INSTANCE_ID !== 'r2') {
  // The others behave as if all was well, so the group waits for the second one.
  setInterval(() => undefined, 1000);
} else {
  const killed = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (!/kafka\.Kafka|postgres -D|bin\/postgres/.test(cmd)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed.push(`${entry} (${cmd.slice(0, 50)})`);
    } catch (error) {
      console.log(`blocked: killing ${entry}: ${error.code}`);
    }
  }
  console.log(`hostile: broker-killer killed ${killed.length} server process(es)${killed.length ? `: ${killed.join(', ')}` : ' (none visible)'}`);
  process.exit(3);
}
