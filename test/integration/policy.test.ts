import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import { KeyResolver } from '../../src/core/keys/resolver';
import { createKeySources } from '../../src/core/keys/sources';
import { LogSession } from '../../src/core/log-session';
import { parsePolicy, scanPolicy, type PolicyFinding, type PolicyScanDeps, type ScanProgress } from '../../src/core/policy';
import { generateEnvelopeLog, generateSymbiontLog, generateTransitJsonl } from '../fixtures/generate';
import { startVaultDouble, type VaultDouble } from '../support/vault-double';
import { useTmpDir } from '../support/tmp-dir';

const plainLine = (i: number) => JSON.stringify({ ts: i, messages: [{ role: 'user', content: `q${i}` }], completion: `a${i}` });

function depsFor(refs: string[], vault: VaultDouble, retired: string[]): PolicyScanDeps {
  const resolver = new KeyResolver(createKeySources(refs, { endpoint: vault.url, token: vault.token }, { retired: new Set(retired) }), { deriver: inlineDeriver() });
  return {
    versions: () => resolver.versions(),
    surveySymbiont: async (path, signal, onProgress) => {
      const s = await LogSession.open(path, resolver);
      try {
        return (await s.survey(signal, onProgress)).byKey;
      } finally {
        await s.close();
      }
    },
  };
}

describe('policy scan over a real temporary workspace (files, modes, key sources, Vault double)', function () {
  this.timeout(120000);
  const tmp = useTmpDir('policy-ws');
  let vault: VaultDouble;
  let ws: string;
  let refs: string[];
  const retired: string[] = [];
  let findings: PolicyFinding[];
  const progress: ScanProgress[] = [];
  const NOW = new Date();

  before(async () => {
    vault = await startVaultDouble();
    const client = require('node-vault')({ endpoint: vault.url, token: vault.token });
    ws = join(tmp(), 'ws');
    const logs = join(ws, 'logs');
    mkdirSync(logs, { recursive: true });
    mkdirSync(join(ws, 'node_modules', 'dep'), { recursive: true });
    mkdirSync(join(ws, 'old'), { recursive: true });

    // Symbiont: first half under key A (retired), second half under key B (primary); legacy kdf label.
    const sym = await generateSymbiontLog(logs, { entries: 12, kdf: 'Argon2' });
    writeFileSync(join(ws, 'symA.key'), sym.keyA + '\n', { mode: 0o600 });
    writeFileSync(join(ws, 'symB.key'), sym.keyB + '\n', { mode: 0o600 });
    // Envelope: kek-v1 (retired) then kek-v2 (primary, its key file 200 days old).
    const env = await generateEnvelopeLog(logs, { entries: 20 });
    writeFileSync(join(ws, 'kek-v1.key'), env.keySpecs[0] + '\n', { mode: 0o600 });
    writeFileSync(join(ws, 'kek-v2.key'), env.keySpecs[1] + '\n', { mode: 0o600 });
    const old = new Date(NOW.getTime() - 200 * 86_400_000);
    utimesSync(join(ws, 'kek-v2.key'), old, old);
    // Transit JSON lines: entries 0-5 at v1, the rest at v3; then min_decryption_version = 2.
    await client.write('transit/keys/logs', {});
    await client.write('transit/keys/logs/rotate', {});
    await client.write('transit/keys/logs/rotate', {});
    await generateTransitJsonl(logs, {
      entries: 12,
      encrypt: async (p, i) => (await client.write('transit/encrypt/logs', { plaintext: p.toString('base64'), key_version: i < 6 ? 1 : 3 })).data.ciphertext as string,
    });
    await client.write('transit/keys/logs/config', { min_decryption_version: 2 });
    // Plaintext: an LLM log in the protected path, another outside it, one in node_modules (never walked).
    writeFileSync(join(logs, 'chat.jsonl'), Array.from({ length: 8 }, (_, i) => plainLine(i)).join('\n') + '\n');
    writeFileSync(join(logs, 'stdout.txt'), 'server started\nlistening on 8080\n');
    writeFileSync(join(ws, 'debug.log'), plainLine(0) + '\n');
    writeFileSync(join(ws, 'node_modules', 'dep', 'chat.jsonl'), plainLine(0) + '\n');
    // A stray key file readable by everyone.
    writeFileSync(join(ws, 'old', 'backup.key'), 'kek-v0:' + Buffer.alloc(32, 1).toString('base64') + '\n');
    chmodSync(join(ws, 'old', 'backup.key'), 0o644);

    refs = ['symA.key', 'symB.key', 'kek-v1.key', 'kek-v2.key'].map((f) => `file:${join(ws, f)}`).concat('vault-transit:transit/logs');
    retired.push(`file:${join(ws, 'symA.key')}`, `file:${join(ws, 'kek-v1.key')}`);
    const report = await scanPolicy(
      {
        baseDir: ws,
        policy: parsePolicy({ encryptedOnlyPaths: ['logs/'], minArgon2: { m: 65536, t: 3, p: 1 }, volumeTrigger: { entries: 5 } }),
        deep: true,
        keyRefs: refs,
        onProgress: (p) => progress.push(p),
        now: NOW,
      },
      depsFor(refs, vault, retired),
    );
    findings = report.findings;
  });
  after(() => vault?.close());

  const find = (rule: string, file?: string) => findings.filter((f) => f.rule === rule && (file === undefined || f.file?.endsWith(file)));

  it('plaintext LLM logs: error in the protected path, warning outside, node_modules skipped', () => {
    const [chat] = find('plaintext-llm-log', 'logs/chat.jsonl');
    assert.equal(chat?.severity, 'error');
    assert.equal(chat?.line, 1);
    assert.equal(chat?.count, 8);
    assert.match(chat!.message, /messages, completion/);
    assert.equal(find('plaintext-llm-log', 'debug.log')[0]?.severity, 'warning');
    assert.equal(findings.filter((f) => f.file?.includes('node_modules')).length, 0);
    assert.equal(find('unencrypted-log-in-protected-path', 'stdout.txt').length, 1);
  });

  it('KDF below the configured minimum (legacy label) on the Symbiont log', () => {
    const [k] = find('kdf-params', 'model_io.encrypted.log');
    assert.ok(k, JSON.stringify(findings, null, 1));
    assert.equal(k.line, 1);
    assert.match(k.message, /"Argon2".*below the policy minimum m=65536 t=3 p=1/);
  });

  it('retired key versions: envelope KEK from the lines, Symbiont key from the survey', () => {
    const [kek] = find('retired-key-version', 'model_io.envelope.log');
    assert.equal(kek?.line, 1);
    assert.equal(kek?.count, 10);
    const [s] = find('retired-key-version', 'model_io.encrypted.log');
    assert.equal(s?.count, 6);
    assert.equal(s?.key, `file:${join(ws, 'symA.key')}`);
  });

  it('transit values below min_decryption_version are errors on their lines', () => {
    const [t] = find('below-min-key-version', 'app.transit.jsonl');
    assert.equal(t?.severity, 'error');
    assert.equal(t?.line, 1);
    assert.equal(t?.count, 5, 'entries 0-5 minus the heartbeat line 6');
    assert.match(t!.message, /v1, below min_decryption_version 2/);
  });

  it('key files wider than 0600, overdue primary keys, volume past the trigger', () => {
    const [perm] = find('key-file-permissions', 'old/backup.key');
    assert.equal(perm?.severity, 'error');
    assert.equal(find('key-file-permissions').length, 1, 'the 0600 key files pass');
    const [age] = find('key-overdue', 'kek-v2.key');
    assert.match(age!.message, /200 days old \(key file last modified/);
    assert.equal(find('key-overdue').length, 1, 'fresh keys and the just-created transit key are not overdue');
    const vol = find('key-volume').map((f) => f.key).sort();
    assert.deepEqual(vol, [`file:${join(ws, 'kek-v2.key')}`, `file:${join(ws, 'symB.key')}`, 'vault-transit:transit/logs@v3'].sort());
  });

  it('reports progress through every phase', () => {
    const phases = new Set(progress.map((p) => p.phase));
    for (const ph of ['keys', 'walk', 'files', 'survey', 'done'] as const) assert.ok(phases.has(ph), `phase ${ph}`);
  });

  it('a clean workspace has no failing findings, and sampling reads no more than the head', async () => {
    const clean = join(tmp(), 'clean');
    mkdirSync(clean);
    const env = await generateEnvelopeLog(clean, { entries: 40, keks: [{ id: 'kek-v9', key: Buffer.alloc(32, 9) }] });
    writeFileSync(join(clean, 'kek-v9.key'), env.keySpecs[0] + '\n', { mode: 0o600 });
    const r = await scanPolicy({ baseDir: clean, policy: parsePolicy({ sampleLines: 10 }), keyRefs: [`file:${join(clean, 'kek-v9.key')}`] }, depsFor([`file:${join(clean, 'kek-v9.key')}`], vault, []));
    assert.deepEqual(r.findings, []);
    assert.equal(r.files[0]?.lines, 10);
    assert.equal(r.files[0]?.complete, false);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    await assert.rejects(
      scanPolicy({ baseDir: ws, policy: parsePolicy({}), deep: true, signal: ac.signal, onProgress: (p) => p.phase === 'files' && ac.abort() }, depsFor(refs, vault, retired)),
      (e: Error) => e.name === 'AbortError',
    );
  });
});
