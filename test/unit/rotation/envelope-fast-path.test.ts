import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DekWrapper, sealEnvelope, unwrapDek } from '../../../src/core/crypto/envelope-cipher';
import type { EnvelopeValue } from '../../../src/core/model';
import { replaceEnvelopeKey } from '../../../src/core/rotation/rewriters';
import { EnvelopeCryptoWorker } from '../../../src/core/rotation/crypto-worker';
import { EnvelopeKernel } from '../../../src/core/rotation/envelope-kernel';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** What the rewrite did before: parse, set the two members, serialize. */
function viaJson(text: string, keyId: string, w: string): string {
  const obj = JSON.parse(text) as Record<string, unknown>;
  obj.key_id = keyId;
  obj.dek_wrapped = w;
  return JSON.stringify(obj);
}

describe('rotation: envelope fast path', () => {
  it('DekWrapper output unwraps to the DEK with the KEK, fresh nonce every time', () => {
    const kek = randomBytes(32);
    const pw = new DekWrapper(3);
    const nonces = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const dek = randomBytes(32);
      const w = pw.wrap(kek, dek);
      assert.equal(Buffer.from(w, 'base64').length, 60);
      assert.deepEqual(unwrapDek(kek, w), dek);
      nonces.add(Buffer.from(w, 'base64').subarray(0, 12).toString('hex'));
    }
    assert.equal(nonces.size, 200);
    assert.throws(() => pw.wrap(kek, randomBytes(31)), /32 bytes/);
    assert.throws(() => unwrapDek(randomBytes(32), pw.wrap(kek, randomBytes(32))));
  });

  it('replaceEnvelopeKey is byte-identical to parse + set + serialize', () => {
    const kek = randomBytes(32);
    const base = sealEnvelope(Buffer.from('{"a":1}'), kek, 'kek-v1') as unknown as Record<string, unknown>;
    const variants: Array<Record<string, unknown>> = [
      base,
      { ...base, extra: { key_id: 'kek-v1', dek_wrapped: base.dek_wrapped } }, // nested repeat: falls back
      { dek_wrapped: base.dek_wrapped, '10': 'x', key_id: 'kek-v1', version: 1, alg: base.alg, nonce: base.nonce, ciphertext: base.ciphertext },
      { ...base, key_id: 'k"é\u2028\\v1', note: '"key_id":"kek-v1"' },
      { ...base, key_id: 'kek-v1', dek_wrapped: base.dek_wrapped, more: 'x'.repeat(50) },
    ];
    for (const v of variants) {
      const text = JSON.stringify(v);
      for (const [kid, w] of [['kek-v2', 'QUJD'], ['k"ü\\2', 'x/+=']]) {
        assert.equal(replaceEnvelopeKey(text, v as unknown as EnvelopeValue, kid, w), viaJson(text, kid, w));
      }
    }
  });

  for (const [name, script] of [
    ['the per-file build', undefined],
    ['the esbuild bundle out/envelope-worker.js', join(__dirname, '../../../envelope-worker.js')],
  ] as const) {
  it(`EnvelopeCryptoWorker (${name}): re-wraps with the target, digests, and hands back anything unusual`, async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const other = randomBytes(32);
    const w = new EnvelopeCryptoWorker([k2, other, k1], 0, script);
    try {
      const good = sealEnvelope(Buffer.from('hello'), k1, 'kek-v1');
      const onTarget = sealEnvelope(Buffer.from('there'), k2, 'kek-v2');
      const tampered = { ...sealEnvelope(Buffer.from('x'), k1, 'kek-v1') };
      const ct = Buffer.from(tampered.ciphertext, 'base64');
      ct[0] ^= 1;
      tampered.ciphertext = ct.toString('base64');
      const badB64 = { ...good, dek_wrapped: good.dek_wrapped.slice(0, -4) + '!!!=' };
      const item = (v: EnvelopeValue, c: number[]) => ({ candidates: c, dekWrapped: v.dek_wrapped, nonce: v.nonce, ciphertext: v.ciphertext });
      const res = await w.run([item(good, [1, 2]), item(onTarget, [0]), item(tampered, [2]), item(badB64, [2]), item(good, [1])], { verify: false, wrap: true });
      const dek = unwrapDek(k1, good.dek_wrapped);
      const expect = createHash('sha256').update('K').update(dek).update(good.nonce).update('|').update(good.ciphertext).digest();
      assert.equal(res[0].ok, true);
      assert.equal(res[0].by, 2);
      assert.deepEqual(res[0].digest, expect);
      assert.deepEqual(unwrapDek(k2, res[0].wrapped as string), dek);
      assert.equal(res[1].ok, true);
      assert.equal(res[1].by, 0);
      assert.equal(res[1].wrapped, null); // already on the target: not re-wrapped
      assert.equal(res[2].ok, false); // data fails authentication: the main thread reports it
      assert.equal(res[3].ok, false); // not strict base64
      assert.equal(res[4].ok, false); // no candidate unwraps
      const back = await w.run([item({ ...good, dek_wrapped: res[0].wrapped as string }, [0])], { verify: true, wrap: false });
      assert.equal(back[0].ok, true);
      assert.deepEqual(back[0].digest, expect);
    } finally {
      w.dispose();
    }
  });
  }

  it('the kernel: the same results in-process; dispose wipes its KEK table', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const table = [Buffer.from(k2), Buffer.from(k1)];
    const kernel = new EnvelopeKernel(table, 0);
    const good = sealEnvelope(Buffer.from('hello'), k1, 'kek-v1');
    const shortNonce = { ...good, nonce: Buffer.alloc(8).toString('base64') };
    const r = kernel.run({ id: 7, verify: false, wrap: true, c: [[1], [1], [0]], w: [good.dek_wrapped, shortNonce.dek_wrapped, good.dek_wrapped], no: [good.nonce, shortNonce.nonce, good.nonce], ct: [good.ciphertext, good.ciphertext, good.ciphertext] });
    assert.equal(r.id, 7);
    assert.deepEqual([...r.st], [1, 0, 0]); // a 12-byte nonce only; the wrong KEK does not unwrap
    assert.deepEqual(unwrapDek(k2, r.wr[0] as string), unwrapDek(k1, good.dek_wrapped));
    const dry = kernel.run({ id: 8, verify: false, wrap: false, c: [[1]], w: [good.dek_wrapped], no: [good.nonce], ct: [good.ciphertext] });
    assert.deepEqual([dry.st[0], dry.wr[0]], [1, null]);
    kernel.dispose();
    assert.ok(table.every((k) => k.every((b) => b === 0)));
  });

  it('no code in strings: no eval worker, no Function constructor in src/', () => {
    const root = join(__dirname, '../../../../src');
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []));
    const files = walk(root);
    assert.ok(files.some((f) => f.endsWith('crypto-worker.ts')));
    for (const f of files) assert.doesNotMatch(readFileSync(f, 'utf8'), /eval\s*:\s*true|new Function\(|\beval\(/, f);
  });
});
