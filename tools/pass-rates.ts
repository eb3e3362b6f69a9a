// Renders a targets x checks table of pass rates from several `grader run --repeat N --json FILE`
// reports (one per target), e.g. the re-measurement of one scenario on every target:
//   pnpm exec tsx tools/pass-rates.ts a.json b.json ...
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface RunReport {
  target: string;
  repeats: number;
  passRates: Record<string, { passed: number; runs: number }>;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('pass-rates: give one or more `grader run --json` reports (hint: grader run --repeat 10 --json FILE)');
  process.exit(2);
}
const reports = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as RunReport);
const checks = [...new Set(reports.flatMap((r) => Object.keys(r.passRates)))].sort();
console.log(`| target | runs | ${checks.map((c) => `\`${c}\``).join(' | ')} |`);
console.log(`| --- | --- | ${checks.map(() => '---').join(' | ')} |`);
for (const r of reports) {
  const cells = checks.map((c) => {
    const rate = r.passRates[c];
    return rate ? `${rate.passed}/${rate.runs}` : '-';
  });
  console.log(`| ${basename(r.target)} | ${r.repeats} | ${cells.join(' | ')} |`);
}
