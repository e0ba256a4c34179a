import assert from 'node:assert/strict';
import { NoncePool, POOL_NONCE_BYTES } from '../../../src/core/crypto/nonce-pool';

describe('rotation: nonce pool', () => {
  it('hands out 12-byte nonces that never repeat, across refills', () => {
    const pool = new NoncePool(7); // small blocks: many refills
    const seen = new Set<string>();
    const kept: Buffer[] = [];
    for (let i = 0; i < 5000; i++) {
      const n = pool.next();
      assert.equal(n.length, POOL_NONCE_BYTES);
      const hex = n.toString('hex');
      assert.ok(!seen.has(hex), `nonce ${i} repeated`);
      seen.add(hex);
      kept.push(n);
    }
    // views handed out earlier are not overwritten by later refills
    kept.forEach((n, i) => assert.ok(seen.has(n.toString('hex')), `nonce ${i} changed after refill`));
    assert.equal(new Set(kept.map((n) => n.toString('hex'))).size, kept.length);
  });

  it('draws from the CSPRNG (not zero, not a counter)', () => {
    const pool = new NoncePool();
    const a = pool.next();
    const b = pool.next();
    assert.notDeepEqual(a, Buffer.alloc(12));
    assert.notDeepEqual(a, b);
    // bytes look uniform: over 4096 nonces every byte value appears
    const counts = new Uint32Array(256);
    for (let i = 0; i < 4096; i++) for (const x of pool.next()) counts[x]++;
    assert.ok(counts.every((c) => c > 0));
  });

  it('rejects a bad block size', () => {
    assert.throws(() => new NoncePool(0), RangeError);
    assert.throws(() => new NoncePool(1.5), RangeError);
  });
});
