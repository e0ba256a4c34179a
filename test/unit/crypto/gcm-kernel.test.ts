import { SeededRandom } from '../../fixtures/random';
import { isStrictBase64 } from '../../../src/core/crypto/aes-gcm';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allGcmKernels, gcmKernel, loadNativeGcm, nativeGcmCandidates, type GcmBatch, type GcmKernel } from '../../../src/core/crypto/gcm-kernel';

const reference = (key: Buffer, nonce: Buffer, pt: Buffer): Buffer => {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
};

interface Msg {
  key: Buffer;
  nonce: Buffer;
  data: Buffer;
}

/** Packs messages into one batch: keys deduplicated by identity (shared keys share an offset). */
function pack(msgs: Msg[]): { b: GcmBatch; outOff: (extra: number) => { dst: Buffer; dstOff: Uint32Array } } {
  const keyList: Buffer[] = [];
  const keyOff = new Uint32Array(msgs.length);
  msgs.forEach((m, i) => {
    let k = keyList.indexOf(m.key);
    if (k < 0) k = keyList.push(m.key) - 1;
    keyOff[i] = k * 32;
  });
  const nonceOff = Uint32Array.from(msgs, (_, i) => i * 12);
  const srcLen = Uint32Array.from(msgs, (m) => m.data.length);
  const srcOff = new Uint32Array(msgs.length);
  let at = 0;
  msgs.forEach((m, i) => {
    srcOff[i] = at;
    at += m.data.length;
  });
  const b: GcmBatch = { keys: Buffer.concat(keyList), keyOff, nonces: Buffer.concat(msgs.map((m) => m.nonce)), nonceOff, src: Buffer.concat(msgs.map((m) => m.data)), srcOff, srcLen };
  const outOff = (extra: number) => {
    const dstOff = new Uint32Array(msgs.length);
    let o = 0;
    msgs.forEach((m, i) => {
      dstOff[i] = o;
      o += m.data.length + extra;
    });
    return { dst: Buffer.alloc(o), dstOff };
  };
  return { b, outOff };
}

const LENGTHS = [...Array.from({ length: 65 }, (_, i) => i), 100, 1000, 4095, 4096, 4097, 70_001];

const kernels = allGcmKernels();

describe('batch AES-256-GCM kernels (src/core/crypto/gcm-kernel)', () => {
  it('the active kernel is named, says why when it is the JavaScript one, and is native when ENCLOG_REQUIRE_NATIVE_KERNEL=1', () => {
    const k = gcmKernel();
    assert.ok(k.name === 'native-openssl' || k.name === 'js');
    assert.ok(k.detail.length > 0);
    if (k.name === 'native-openssl') assert.match(k.detail, /OpenSSL \d/);
    if (process.env.ENCLOG_REQUIRE_NATIVE_KERNEL === '1') {
      assert.equal(k.name, 'native-openssl', `the native kernel did not load: ${k.detail}`);
      assert.equal(kernels.length, 2);
    }
  });

  it('falls back with a reason when the addon is missing or is not a loadable library', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enclog-gcm-'));
    try {
      const missing = loadNativeGcm([join(dir, 'none.node')]);
      assert.ok('reason' in missing && /not built/.test(missing.reason));
      const junk = join(dir, 'gcm_batch.node');
      writeFileSync(junk, 'not an ELF file');
      const bad = loadNativeGcm([junk]);
      assert.ok('reason' in bad && /did not load/.test(bad.reason));
      assert.ok(nativeGcmCandidates('/x/out').includes(join('/x/out', 'native', 'gcm_batch.node')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const k of kernels) {
    describe(`kernel ${k.name}`, () => {
      it('seals byte-identically to createCipheriv for every length 0..64 and some large ones, one key and a key per message', () => {
        const one = randomBytes(32);
        for (const shared of [true, false]) {
          const msgs = LENGTHS.map((n) => ({ key: shared ? one : randomBytes(32), nonce: randomBytes(12), data: randomBytes(n) }));
          const { b, outOff } = pack(msgs);
          const { dst, dstOff } = outOff(16);
          k.seal(b, dst, dstOff);
          msgs.forEach((m, i) => assert.deepEqual(dst.subarray(dstOff[i], dstOff[i] + m.data.length + 16), reference(m.key, m.nonce, m.data), `length ${m.data.length}`));
        }
      });

      it('opens what createCipheriv sealed (into dst, or authenticate-only with dst null)', () => {
        const one = randomBytes(32);
        for (const shared of [true, false]) {
          const pts = LENGTHS.map((n) => randomBytes(n));
          const msgs = pts.map((pt) => {
            const key = shared ? one : randomBytes(32);
            const nonce = randomBytes(12);
            return { key, nonce, data: reference(key, nonce, pt) };
          });
          const { b, outOff } = pack(msgs);
          const { dst, dstOff } = outOff(-16);
          assert.deepEqual([...k.open(b, dst, dstOff)], msgs.map(() => 1));
          pts.forEach((pt, i) => assert.deepEqual(dst.subarray(dstOff[i], dstOff[i] + pt.length), pt));
          assert.deepEqual([...k.open(b, null, null)], msgs.map(() => 1));
        }
      });

      it('refuses every single-bit flip of ciphertext, tag and nonce, and a wrong key; only that message fails and its output is wiped', () => {
        const key = randomBytes(32);
        for (const n of [0, 1, 16, 32, 33]) {
          const pt = randomBytes(n);
          const nonce = randomBytes(12);
          const sealed = reference(key, nonce, pt);
          const msgs: Msg[] = [];
          for (let bit = 0; bit < sealed.length * 8; bit++) {
            const s = Buffer.from(sealed);
            s[bit >> 3] ^= 1 << (bit & 7);
            msgs.push({ key, nonce, data: s });
          }
          for (let bit = 0; bit < 96; bit++) {
            const nn = Buffer.from(nonce);
            nn[bit >> 3] ^= 1 << (bit & 7);
            msgs.push({ key, nonce: nn, data: sealed });
          }
          msgs.push({ key: randomBytes(32), nonce, data: sealed });
          msgs.push({ key, nonce, data: sealed }); // the untouched one opens
          const { b, outOff } = pack(msgs);
          const { dst, dstOff } = outOff(-16);
          dst.fill(0xaa);
          const st = k.open(b, dst, dstOff);
          assert.deepEqual([...st], msgs.map((_, i) => (i === msgs.length - 1 ? 1 : 0)), `length ${n}`);
          msgs.slice(0, -1).forEach((_, i) => assert.ok(dst.subarray(dstOff[i], dstOff[i] + n).every((x) => x === 0), `output of message ${i} wiped`));
          assert.deepEqual(dst.subarray(dstOff[msgs.length - 1], dstOff[msgs.length - 1] + n), pt);
          assert.deepEqual([...k.open(b, null, null)], [...st]);
        }
      });

      it('a malformed batch throws RangeError before any output: every offset and length is bounds-checked', () => {
        const key = randomBytes(32);
        const nonce = randomBytes(12);
        const sealed = reference(key, nonce, randomBytes(20));
        const good = (): GcmBatch => ({ keys: key, keyOff: Uint32Array.of(0), nonces: nonce, nonceOff: Uint32Array.of(0), src: sealed, srcOff: Uint32Array.of(0), srcLen: Uint32Array.of(sealed.length) });
        const MAX = 0xffffffff;
        const bad: Array<[string, Partial<GcmBatch>]> = [
          ['key offset', { keyOff: Uint32Array.of(1) }],
          ['key offset (wraps)', { keyOff: Uint32Array.of(MAX) }],
          ['nonce offset', { nonceOff: Uint32Array.of(1) }],
          ['source range', { srcLen: Uint32Array.of(sealed.length + 1) }],
          ['source range (wraps)', { srcOff: Uint32Array.of(MAX), srcLen: Uint32Array.of(2) }],
          ['short message', { srcLen: Uint32Array.of(15) }],
          ['array lengths', { nonceOff: Uint32Array.of(0, 0) }],
          ['types', { keyOff: [0] as unknown as Uint32Array }],
          ['types', { src: 'abc' as unknown as Uint8Array }],
        ];
        for (const [what, change] of bad) {
          const dst = Buffer.alloc(64, 7);
          assert.throws(() => k.open({ ...good(), ...change }, dst, Uint32Array.of(0)), RangeError, what);
          assert.ok(dst.every((x) => x === 7), `${what}: nothing written`);
        }
        assert.throws(() => k.open(good(), Buffer.alloc(19), Uint32Array.of(0)), RangeError, 'output too small');
        assert.throws(() => k.open(good(), Buffer.alloc(20), Uint32Array.of(1)), RangeError, 'output offset');
        assert.throws(() => k.open(good(), Buffer.alloc(20), null), RangeError, 'dst without offsets');
        assert.throws(() => k.seal(good(), Buffer.alloc(sealed.length + 15), Uint32Array.of(0)), RangeError, 'seal output too small');
        assert.throws(() => k.seal(good(), null as unknown as Uint8Array, null as unknown as Uint32Array), RangeError, 'seal without output');
        assert.deepEqual([...k.open(good(), Buffer.alloc(20), Uint32Array.of(0))], [1]);
      });

      it('sha256 of parts equals createHash over their concatenation; bad parts throw', () => {
        const src = randomBytes(5000);
        const parts: Array<[number, number]> = [[0, 1], [10, 32], [100, 0], [1, 1], [200, 4000], [4999, 1], [0, 5000], [7, 55], [3000, 64], [0, 0]];
        const off = Uint32Array.from(parts, (p) => p[0]);
        const len = Uint32Array.from(parts, (p) => p[1]);
        const dst = Buffer.alloc(64);
        k.sha256(src, off, len, 5, dst);
        for (let i = 0; i < 2; i++) {
          const h = createHash('sha256');
          for (const [o, l] of parts.slice(i * 5, i * 5 + 5)) h.update(src.subarray(o, o + l));
          assert.deepEqual(dst.subarray(i * 32, i * 32 + 32), h.digest());
        }
        assert.throws(() => k.sha256(src, off, len, 3, Buffer.alloc(96)), RangeError);
        assert.throws(() => k.sha256(src, off, len, 5, Buffer.alloc(63)), RangeError);
        assert.throws(() => k.sha256(src, Uint32Array.of(4999), Uint32Array.of(2), 1, Buffer.alloc(32)), RangeError);
        assert.throws(() => k.sha256(src, Uint32Array.of(0xffffffff), Uint32Array.of(2), 1, Buffer.alloc(32)), RangeError);
      });

      it('base64Decode: strict padded base64 decodes as Buffer does, anything else is status 0 with nothing written; bounds checked', () => {
        const r = new SeededRandom(5);
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const texts: string[] = ['', 'QQ==', 'QUI=', 'QUJD', 'Q===', '====', 'QUJ', 'QU=D', 'QUJD\n', ' QUJ', 'QUJ\u00e9', 'QUJDRA==', 'QUJD-_==', 'QUJDRA=='.replace('R', '=')];
        for (let i = 0; i < 400; i++) {
          const bytes = r.bytes(r.int(70));
          let t = bytes.toString('base64');
          if (r.int(3) === 0 && t.length) t = t.slice(0, r.int(t.length)) + r.pick([...alphabet, '=', '-', '\u00ff', ' ', '.']) + t.slice(r.int(t.length));
          texts.push(t);
        }
        const src = Buffer.from(texts.join(''), 'latin1');
        const srcOff = new Uint32Array(texts.length);
        const srcLen = Uint32Array.from(texts, (t) => t.length);
        for (let i = 1; i < texts.length; i++) srcOff[i] = srcOff[i - 1] + srcLen[i - 1];
        const dstOff = Uint32Array.from(srcOff, (o) => o); // room: a text never decodes to more bytes than it has
        const dst = Buffer.alloc(src.length, 0xee);
        const st = k.base64Decode(src, srcOff, srcLen, dst, dstOff);
        let strict = 0;
        texts.forEach((t, i) => {
          const ok = isStrictBase64(t);
          strict += ok ? 1 : 0;
          assert.equal(st[i], ok ? 1 : 0, JSON.stringify(t));
          const want = Buffer.from(t, 'base64');
          if (ok) assert.deepEqual(dst.subarray(dstOff[i], dstOff[i] + want.length), want, t);
          else assert.ok(dst.subarray(dstOff[i], dstOff[i] + t.length).every((b) => b === 0xee), `nothing written for ${JSON.stringify(t)}`);
        });
        assert.ok(strict > 100 && strict < texts.length - 50, `both kinds tested (${strict} strict)`);
        assert.throws(() => k.base64Decode(src, Uint32Array.of(src.length - 2), Uint32Array.of(4), dst, Uint32Array.of(0)), RangeError);
        assert.throws(() => k.base64Decode(Buffer.from('QUJD'), Uint32Array.of(0), Uint32Array.of(4), Buffer.alloc(2), Uint32Array.of(0)), RangeError);
        assert.throws(() => k.base64Decode(src, Uint32Array.of(0, 1), Uint32Array.of(4), dst, Uint32Array.of(0)), RangeError);
      });

      it('sha256 over two sources: offsets past the end of the first index the second, as if appended; bounds checked in each', () => {
        const a = randomBytes(300);
        const b = randomBytes(200);
        const whole = Buffer.concat([a, b]);
        const parts: Array<[number, number]> = [[0, 300], [300, 200], [299, 1], [310, 5], [0, 0], [450, 50]];
        const off = Uint32Array.from(parts, (p) => p[0]);
        const len = Uint32Array.from(parts, (p) => p[1]);
        const two = Buffer.alloc(64);
        const one = Buffer.alloc(64);
        k.sha256(a, off, len, 3, two, b);
        k.sha256(whole, off, len, 3, one);
        assert.deepEqual(two, one);
        assert.throws(() => k.sha256(a, Uint32Array.of(450), Uint32Array.of(51), 1, Buffer.alloc(32), b), RangeError); // past the second
        if (k.name === 'native-openssl') assert.throws(() => k.sha256(a, Uint32Array.of(290), Uint32Array.of(20), 1, Buffer.alloc(32), b), RangeError); // across the seam
      });
    });
  }

  it('both kernels give the same output for the same batch (when the native one loads)', function () {
    if (kernels.length < 2) {
      assert.equal(gcmKernel().name, 'js'); // nothing to compare against: the JS kernel is the only one
      return;
    }
    const [a, b] = kernels as [GcmKernel, GcmKernel];
    const kek = randomBytes(32);
    const msgs = Array.from({ length: 300 }, (_, i) => ({ key: i % 3 ? kek : randomBytes(32), nonce: randomBytes(12), data: randomBytes(i % 70) }));
    const { b: batch, outOff } = pack(msgs);
    const x = outOff(16);
    const y = outOff(16);
    a.seal(batch, x.dst, x.dstOff);
    b.seal(batch, y.dst, y.dstOff);
    assert.deepEqual(x.dst, y.dst);
    const opened = pack(msgs.map((m, i) => ({ ...m, data: x.dst.subarray(x.dstOff[i], x.dstOff[i] + m.data.length + 16) })));
    opened.b.src[5] ^= 1;
    const p = opened.outOff(-16);
    const q = opened.outOff(-16);
    assert.deepEqual([...a.open(opened.b, p.dst, p.dstOff)], [...b.open(opened.b, q.dst, q.dstOff)]);
    assert.deepEqual(p.dst, q.dst);
  });
});
