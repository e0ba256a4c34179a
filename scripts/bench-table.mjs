// Markdown table of `npm run bench` output: npm run bench > r.jsonl; node scripts/bench-table.mjs r.jsonl
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2] ?? 0, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l));
const out = ['| figure | metric | value | target | result |', '|---|---|---|---|---|'];
for (const f of rows) {
  if (!/^P\d$/.test(f.figure)) continue;
  if (f.status !== 'measured') {
    out.push(`| ${f.figure} | — | not measured | — | ${f.reason} |`);
    continue;
  }
  for (const c of f.checks) out.push(`| ${f.figure} | ${c.metric} | ${c.value} | ${c.target} | ${c.pass ? 'pass' : '**miss**'} |`);
}
const m = rows.find((r) => r.figure === 'machine');
const s = rows.find((r) => r.figure === 'summary');
if (m) out.push('', `Machine: ${m.cores} cores, ${m.cpu}, ${m.memory_gib} GiB, Node ${m.node}, ${m.platform}.`);
if (s) out.push(`Whole run: ${s.total_s} s (input generation ${s.input_generation_s} s).`);
console.log(out.join('\n'));
