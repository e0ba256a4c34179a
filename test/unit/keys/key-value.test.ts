import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseKeyValue } from '../../../src/core/keys/key-value';

describe('keys/key-value', () => {
  const kek = randomBytes(32);

  it('reads <id>:<base64 of 32 bytes> as a KEK, split at the first colon', () => {
    const v = parseKeyValue(`kek-v1:${kek.toString('base64')}`);
    assert.equal(v.kind, 'kek');
    assert.ok(v.kind === 'kek' && v.keyId === 'kek-v1' && v.material.equals(kek));
  });

  it('anything else is a Symbiont key string, used byte for byte', () => {
    for (const s of [
      kek.toString('base64'), // a typical Symbiont key: base64, NOT decoded
      `kek-v1:${randomBytes(16).toString('base64')}`, // 16 bytes: not a KEK
      `kek-v1:${kek.toString('base64')}junk`,
      `:${kek.toString('base64')}`,
      `id with space:${kek.toString('base64')}`,
      ' padded key \n',
    ]) {
      const v = parseKeyValue(s);
      assert.equal(v.kind, 'symbiont', s);
      assert.equal(v.material.toString('utf8'), s);
    }
  });

  it('a key id may not contain a colon: the first colon splits', () => {
    const v = parseKeyValue(`a:b:${kek.toString('base64')}`);
    assert.equal(v.kind, 'symbiont');
  });
});
