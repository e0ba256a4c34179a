import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBase64Strict, isStrictBase64 } from '../../../src/core/crypto/aes-gcm';

const REFERENCE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe('isStrictBase64', () => {
  it('accepts exactly the language of the reference regex', () => {
    const alphabet = fc.constantFrom(...'ABCXYZabcxyz0189+/=-_ \n.é'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 14 }).map((a) => a.join('')), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64'))), (s) => {
        assert.equal(isStrictBase64(s), REFERENCE.test(s), JSON.stringify(s));
      }),
      { numRuns: 3000 },
    );
    for (const s of ['', 'QQ==', 'QUI=', 'QUJD', 'QR==', 'Q===', '====', 'QUJ', 'QU=D', 'QUJD\n', 'QUJ-', 'QUJ_']) assert.equal(isStrictBase64(s), REFERENCE.test(s), s);
  });

  it('decodeBase64Strict still rejects junk and decodes the rest', () => {
    assert.deepEqual(decodeBase64Strict('AAEC', 'x'), Buffer.from([0, 1, 2]));
    assert.throws(() => decodeBase64Strict('AA EC', 'x'), /not valid base64/);
    assert.throws(() => decodeBase64Strict(3, 'x'), /not a string/);
  });
});
