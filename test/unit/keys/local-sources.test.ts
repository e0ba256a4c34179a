import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvKeySource } from '../../../src/core/keys/env-source';
import { FileKeySource } from '../../../src/core/keys/file-source';
import { createKeySource } from '../../../src/core/keys/sources';
import { KeySourceError } from '../../../src/core/keys/types';

describe('keys/env and file sources', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclog-keys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('env: raw, untrimmed Symbiont key', async () => {
    const src = new EnvKeySource('SYMBIONT_LOGGING_KEY', { env: { SYMBIONT_LOGGING_KEY: ' k3y \n' } });
    const [k] = await src.load();
    assert.equal(k.material?.toString(), ' k3y \n');
    assert.deepEqual({ ...k.info }, { sourceRef: 'env:SYMBIONT_LOGGING_KEY', version: 'current', label: 'env:SYMBIONT_LOGGING_KEY', kind: 'symbiont', order: 1, role: 'primary' });
  });

  it('env: SECRETS_ENCRYPTION_KEY-style KEKs; *_PREVIOUS is decrypt-only', async () => {
    const kek = randomBytes(32).toString('base64');
    const env = { SECRETS_ENCRYPTION_KEY: `kek-v2:${kek}`, SECRETS_ENCRYPTION_KEY_PREVIOUS: `kek-v1:${kek}` };
    const [cur] = await createKeySource('env:SECRETS_ENCRYPTION_KEY', {}, { env }).list();
    const [prev] = await createKeySource('env:SECRETS_ENCRYPTION_KEY_PREVIOUS', {}, { env }).list();
    assert.equal(cur.kind, 'kek');
    assert.equal(cur.keyId, 'kek-v2');
    assert.equal(cur.version, 'kek-v2');
    assert.equal(cur.role, 'primary');
    assert.equal(prev.role, 'decrypt-only');
  });

  it('env: missing or empty variable is a clear error', async () => {
    await assert.rejects(new EnvKeySource('NOPE', { env: {} }).load(), (e: unknown) => e instanceof KeySourceError && e.code === 'not-found' && /NOPE is not set/.test(e.message));
    await assert.rejects(new EnvKeySource('E', { env: { E: '' } }).load(), /E is empty/);
  });

  it('retired hook marks a version retired', async () => {
    const [k] = await new EnvKeySource('K', { env: { K: 'x' }, retired: new Set(['env:K']) }).list();
    assert.equal(k.role, 'retired');
  });

  it('file: trimmed contents of a 0600 file', async () => {
    const p = join(dir, 'master.key');
    writeFileSync(p, '  abc  \n', { mode: 0o600 });
    chmodSync(p, 0o600);
    const [k] = await new FileKeySource(p).load();
    assert.equal(k.material?.toString(), 'abc');
    assert.equal(k.info.label, `file:${p}`);
  });

  it('file: refuses group/other permission bits, naming the fix', async () => {
    const p = join(dir, 'open.key');
    writeFileSync(p, 'abc');
    for (const mode of [0o640, 0o604, 0o601, 0o610]) {
      chmodSync(p, mode);
      await assert.rejects(new FileKeySource(p).load(), (e: unknown) =>
        e instanceof KeySourceError && e.code === 'invalid' && e.message.includes(`mode 0${mode.toString(8)}`) && e.message.includes('chmod 600'),
      );
    }
  });

  it('file: missing and empty files', async () => {
    await assert.rejects(new FileKeySource(join(dir, 'none')).load(), (e: unknown) => e instanceof KeySourceError && e.code === 'not-found');
    const p = join(dir, 'empty.key');
    writeFileSync(p, '\n', { mode: 0o600 });
    await assert.rejects(new FileKeySource(p).load(), /is empty/);
  });

  it('list() gives metadata only and zero-fills what it read', async () => {
    const infos = await new EnvKeySource('K', { env: { K: 'secret-value' } }).list();
    assert.equal(JSON.stringify(infos).includes('secret-value'), false);
  });
});
