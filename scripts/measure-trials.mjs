// node scripts/measure-trials.mjs [--bin PATH/TO/enclog.js] [--entries N]   (after npm run build)
// Issue 12's "30 KB garbage log with 3 keys": a Symbiont log none of the 3 configured keys opens
// (every field fails every GCM tag), decrypted with the real CLI. Prints one JSON line per run:
// default per-entry trial cap, and --max-trials 1000 (no practical cap, the old behaviour).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { generateSymbiontLog } = require(join(root, 'out/test/fixtures/generate.js'));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const bin = arg('--bin', join(root, 'bin/enclog.js'));
const entries = Number(arg('--entries', '36'));

const dir = mkdtempSync(join(tmpdir(), 'enclog-trials-'));
const fx = await generateSymbiontLog(dir, { entries, updates: false, fileName: 'garbage.encrypted.log', seed: 3 });
const bytes = statSync(fx.path).size;
const env = { ...process.env, K1: 'not-the-key-1', K2: 'not-the-key-2', K3: 'not-the-key-3' };
const keys = ['--key', 'env:K1', '--key', 'env:K2', '--key', 'env:K3'];
const runs = process.argv.includes('--before-only') ? [[]] : [[], ['--max-trials', '1000']];
for (const extra of runs) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'decrypt', fx.path, '--json', ...keys, ...extra], { env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  const rows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const reasons = {};
  for (const row of rows) for (const m of String(row.error).matchAll(/(wrong-key|trial-cap|stopped at the cap|failed the GCM tag)/g)) reasons[m[1]] = (reasons[m[1]] ?? 0) + 1;
  console.log(JSON.stringify({ figure: 'symbiont-garbage-trials', bin, bytes, entries: rows.length, fields: entries * 2, keys: 3, args: extra.join(' ') || '(default cap)', exit: r.status, seconds: Number((ms / 1000).toFixed(2)), messages: reasons }));
}
