// node scripts/measure-status-reads.mjs [--bin PATH/TO/enclog.js]   (after npm run build)
// What one rotation-age status refresh reads, on a setup with every remote/local kind of source:
// Vault KV v2 (3 versions), Vault transit (3 versions), a key file, an env key. "before" is the full
// listing the status used (`enclog keys list`, = Engine.versions()), "after" the metadata-only one
// (`enclog keys list --metadata-only`, = Engine.metadata()). Prints one JSON line per listing:
// Vault requests by kind (secret data reads vs metadata) and whether the key file was opened
// (its atime, on a filesystem that records it: the file's atime is set to the epoch first).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { startVaultDouble } = require(join(root, 'out/test/support/vault-double/index.js'));
const i = process.argv.indexOf('--bin');
const bin = i >= 0 ? process.argv[i + 1] : join(root, 'bin/enclog.js');

const vault = await startVaultDouble();
const post = async (p, body) => {
  const r = await fetch(`${vault.url}/v1/${p}`, { method: 'POST', headers: { 'X-Vault-Token': vault.token }, body: JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`${p}: ${r.status}`);
};
for (let n = 1; n <= 3; n++) await post('secret/data/measure/kek', { data: { value: `kek-v${n}:${randomBytes(32).toString('base64')}` } });
await post('transit/keys/measure', {});
await post('transit/keys/measure/rotate', {});
await post('transit/keys/measure/rotate', {});
const dir = mkdtempSync(join(tmpdir(), 'enclog-status-reads-'));
const file = join(dir, 'kek-file.key');
writeFileSync(file, `kek-f1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
const env = { ...process.env, VAULT_ADDR: vault.url, VAULT_TOKEN: vault.token, MEASURE_KEY: `kek-e1:${randomBytes(32).toString('base64')}` };
const keys = ['--key', 'vault-kv:secret/measure/kek', '--key', 'vault-transit:transit/measure', '--key', `file:${file}`, '--key', 'env:MEASURE_KEY'];

for (const [name, extra] of [['before (full listing)', []], ['after (metadata only)', ['--metadata-only']]]) {
  vault.resetRequests();
  utimesSync(file, new Date(0), statSync(file).mtime);
  // async: the Vault double answers from this process
  await promisify(execFile)(process.execPath, [bin, 'keys', 'list', '--json', ...extra, ...keys], { env, encoding: 'utf8', cwd: dir });
  const paths = vault.requests.map((q) => q.path);
  console.log(
    JSON.stringify({
      listing: name,
      vaultRequests: paths.length,
      vaultSecretReads: paths.filter((p) => /\/data\//.test(p)).length,
      vaultMetadataReads: paths.filter((p) => /\/metadata\/|\/keys\//.test(p)).length,
      keyFileOpened: statSync(file).atimeMs > 0,
    }),
  );
}
await vault.close();
