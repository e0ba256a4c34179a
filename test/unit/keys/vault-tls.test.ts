import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGoBool, plainHttpWarning, VaultConfigError, vaultTlsFromEnv } from '../../../src/core/keys/vault-tls';
import { useTmpDir } from '../../support/tmp-dir';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('keys/vault-tls: the vault CLI environment', () => {
  const dir = useTmpDir('vault-tls');

  it('VAULT_SKIP_VERIFY is Go strconv.ParseBool: false and 0 keep verifying, junk is an error', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(vaultTlsFromEnv({ VAULT_SKIP_VERIFY: v }).rejectUnauthorized, false, v);
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(vaultTlsFromEnv({ VAULT_SKIP_VERIFY: v }).rejectUnauthorized, true, v);
    assert.equal(vaultTlsFromEnv({ VAULT_SKIP_VERIFY: '' }).rejectUnauthorized, true);
    assert.equal(vaultTlsFromEnv({}).rejectUnauthorized, true);
    for (const v of ['yes', 'no', 'tRUE', ' true', '2', 'off']) assert.throws(() => parseGoBool('VAULT_SKIP_VERIFY', v), VaultConfigError, v);
  });

  it('VAULT_CACERT wins over VAULT_CAPATH; missing or non-PEM files are clear errors', () => {
    const ca = join(dir(), 'ca.pem');
    writeFileSync(ca, PEM + PEM);
    const capath = join(dir(), 'cas');
    mkdirSync(capath);
    writeFileSync(join(capath, 'a.pem'), PEM);
    assert.equal(vaultTlsFromEnv({ VAULT_CACERT: ca, VAULT_CAPATH: capath }).ca?.length, 2);
    assert.equal(vaultTlsFromEnv({ VAULT_CAPATH: capath }).ca?.length, 1);
    assert.throws(() => vaultTlsFromEnv({ VAULT_CACERT: join(dir(), 'nope.pem') }), /cannot read VAULT_CACERT .*ENOENT/);
    writeFileSync(join(dir(), 'junk.pem'), 'not a cert');
    assert.throws(() => vaultTlsFromEnv({ VAULT_CACERT: join(dir(), 'junk.pem') }), /holds no PEM certificate/);
  });

  it('warns for plain http to a non-loopback host only', () => {
    assert.match(plainHttpWarning('http://vault.example.com:8200') ?? '', /plain http to a non-loopback host/);
    assert.match(plainHttpWarning('http://10.0.0.5:8200') ?? '', /10\.0\.0\.5/);
    for (const ok of ['https://vault.example.com', 'http://127.0.0.1:8200', 'http://localhost:8200', 'http://[::1]:8200']) assert.equal(plainHttpWarning(ok), undefined, ok);
  });
});
