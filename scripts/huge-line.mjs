// Measures `enclog reencrypt` on a log with one huge line (default 200 MiB): node scripts/huge-line.mjs [MiB]
// Needs `npm run build` (uses the compiled test helper and bin/enclog.js). Prints the seconds taken.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { writeHugeLineLog } = createRequire(import.meta.url)(join(root, 'out/test/support/huge-line.js'));
const mb = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'enclog-huge-'));
try {
  const kek = { id: 'kek-v1', key: randomBytes(32) };
  const path = join(dir, 'huge.log');
  writeHugeLineLog(path, kek, mb);
  writeFileSync(join(dir, 'old.key'), `kek-v1:${kek.key.toString('base64')}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'new.key'), `kek-v2:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const t0 = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [join(root, 'bin/enclog.js'), 'reencrypt', path, '--to', `file:${join(dir, 'new.key')}`, '--key', `file:${join(dir, 'old.key')}`, '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (out.trim()) console.log(out.trim());
  console.log(`huge line: ${mb} MiB (file ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB) re-encrypted in ${s.toFixed(2)} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
