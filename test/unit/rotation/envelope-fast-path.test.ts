import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DekWrapper, openEnvelopeData, sealEnvelope, unwrapDek } from '../../../src/core/crypto/envelope-cipher';
import { allGcmKernels } from '../../../src/core/crypto/gcm-kernel';
import type { EnvelopeValue } from '../../../src/core/model';
import { replaceEnvelopeKey } from '../../../src/core/rotation/rewriters';
import { RewrapWorkers } from '../../../src/core/rotation/crypto-worker';
import { lineFields } from '../../../src/core/formats/line-fields';
import { lineDigest, valueRanges } from '../../../src/core/rotation/line-record';
import { dekDigest, EnvelopeKernel } from '../../../src/core/rotation/envelope-kernel';
import { kernelRequest, kernelResults, requestViews } from '../../../src/core/rotation/kernel-packing';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** Runs a batch given as parallel arrays through the kernel's packed request and reply. */
function runKernel(kernel: EnvelopeKernel, m: { id: number; verify: boolean; wrap: boolean; c: number[][]; w: string[]; no: string[]; ct: string[] }) {
  const items = m.c.map((c, i) => ({ candidates: c, dekWrapped: m.w[i], nonce: m.no[i], ciphertext: m.ct[i] }));
  const r = kernel.run(kernelRequest(m.id, items, m));
  const res = kernelResults(r);
  return { id: r.id, st: res.map((x) => (x.ok ? 1 : 0)), by: res.map((x) => x.by), dg: Buffer.concat(res.map((x) => x.digest)), wr: res.map((x) => x.wrapped) };
}

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
  it(`RewrapWorkers (${name}): rewrites whole batches, reads them back, and hands back any batch that needs a message`, async () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const other = randomBytes(32);
    const spec = { targetKeyId: 'kek-v2', target: 0, candidates: new Map([['kek-v1', [1, 2]], ['kek-v2', [0]]]) };
    const w = new RewrapWorkers([k2, other, k1], spec, 2, script);
    try {
      const good = sealEnvelope(Buffer.from('hello'), k1, 'kek-v1');
      const onTarget = sealEnvelope(Buffer.from('there'), k2, 'kek-v2');
      const line = (v: EnvelopeValue, extra = '') => `{"timestamp":"t","request_data":${JSON.stringify(v)},"n":12345678901234567890${extra}}`;
      const lines = [line(good), line(onTarget), '', line(good, ',"\u00e9":"é"') + '\r', line(good)];
      const batch = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
      const r = await w.run(batch, { verify: false, dryRun: false });
      assert.equal(r.done, true);
      if (!r.done) return;
      assert.deepEqual([r.lines, r.entries, r.fields, r.onTarget, r.rewritten, r.from[2]], [5, 4, 4, 1, 3, 3]);
      const out = Buffer.from(r.out as ArrayBuffer).toString('utf8').split('\n');
      assert.equal(out.length, 6);
      assert.equal(out[1], lines[1]); // on the target: byte-identical
      assert.equal(out[2], '');
      assert.ok(out[3].endsWith('"\u00e9":"é"}\r')); // CR LF kept, other members as written
      const dek = unwrapDek(k1, good.dek_wrapped);
      for (const i of [0, 3, 4]) {
        const v = JSON.parse(out[i].replace(/\r$/, '')).request_data as EnvelopeValue;
        assert.equal(v.key_id, 'kek-v2');
        assert.deepEqual(unwrapDek(k2, v.dek_wrapped), dek);
        assert.equal(out[i].replace(v.dek_wrapped, 'W').replace('"kek-v2"', '"kek-v1"'), lines[i].replace(good.dek_wrapped, 'W'));
      }
      // the same line records as the main thread's: lineDigest over the DEK digests
      const lf = lineFields(lines[0], 'envelope');
      const raw0 = Buffer.from(lines[0]);
      assert.deepEqual(Buffer.from(r.digests).subarray(0, 32), lineDigest(raw0, valueRanges(raw0, lf) as number[], [dekDigest(dek, good.nonce, good.ciphertext)]));
      const raw3 = Buffer.from(lines[3].slice(0, -1)); // non-ASCII: found by its bytes
      const lf3 = lineFields(lines[3].slice(0, -1), 'envelope');
      assert.deepEqual(Buffer.from(r.digests).subarray(96, 128), lineDigest(raw3, valueRanges(raw3, lf3) as number[], [dekDigest(dek, good.nonce, good.ciphertext)]));
      // the read-back of the output gives the same records
      const back = await w.run(Buffer.from(r.out as ArrayBuffer), { verify: true, dryRun: true });
      assert.equal(back.done, true);
      if (back.done) assert.deepEqual(Buffer.from(back.digests), Buffer.from(r.digests));
      // a dry run: counts and records, no output
      const dry = await w.run(batch, { verify: false, dryRun: true });
      assert.ok(dry.done && dry.out === null && dry.rewritten === 3);
      if (dry.done) assert.deepEqual(Buffer.from(dry.digests), Buffer.from(r.digests));
      // batches the main thread must take (nothing done, no error)
      const tampered = { ...good };
      const ct = Buffer.from(tampered.ciphertext, 'base64');
      ct[0] ^= 1;
      tampered.ciphertext = ct.toString('base64');
      for (const odd of [line(tampered), line({ ...good, key_id: 'kek-v9' }), line({ ...good, alg: 'X' }), '{"timestamp":', line({ ...good, dek_wrapped: good.dek_wrapped.slice(0, -4) + '!!!=' }), `${line(good)}${line(good)}`]) {
        const res = await w.run(Buffer.from(`${line(good)}\n${odd}\n`), { verify: false, dryRun: false });
        assert.equal(res.done, false, odd);
        if (!res.done) assert.equal(res.error, undefined);
      }
      // the read-back takes the target KEK only
      const notBack = await w.run(Buffer.from(`${line(good)}\n`), { verify: true, dryRun: true });
      assert.equal(notBack.done, false);
    } finally {
      w.dispose();
    }
  });
  }

  it('the kernel: the same results in-process; it copies and wipes the KEK table it is given, and dispose wipes its copy', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const table = [Buffer.from(k2), Buffer.from(k1)];
    const kernel = new EnvelopeKernel(table, 0);
    const good = sealEnvelope(Buffer.from('hello'), k1, 'kek-v1');
    const shortNonce = { ...good, nonce: Buffer.alloc(8).toString('base64') };
    const r = runKernel(kernel, { id: 7, verify: false, wrap: true, c: [[1], [1], [0]], w: [good.dek_wrapped, shortNonce.dek_wrapped, good.dek_wrapped], no: [good.nonce, shortNonce.nonce, good.nonce], ct: [good.ciphertext, good.ciphertext, good.ciphertext] });
    assert.equal(r.id, 7);
    assert.deepEqual([...r.st], [1, 0, 0]); // a 12-byte nonce only; the wrong KEK does not unwrap
    assert.deepEqual(unwrapDek(k2, r.wr[0] as string), unwrapDek(k1, good.dek_wrapped));
    const dry = runKernel(kernel, { id: 8, verify: false, wrap: false, c: [[1]], w: [good.dek_wrapped], no: [good.nonce], ct: [good.ciphertext] });
    assert.deepEqual([dry.st[0], dry.wr[0]], [1, null]);
    assert.ok(table.every((k) => k.every((b) => b === 0)));
    kernel.dispose();
    const after = runKernel(kernel, { id: 9, verify: false, wrap: false, c: [[1]], w: [good.dek_wrapped], no: [good.nonce], ct: [good.ciphertext] });
    assert.equal(after.st[0], 0); // the KEKs are gone: nothing unwraps
  });

  it('the kernel gives the same results with each batch AES-GCM kernel (native and JavaScript), per value as the per-value code', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const k3 = randomBytes(32);
    const vals: Array<{ v: EnvelopeValue; c: number[] }> = [];
    for (let i = 0; i < 40; i++) vals.push({ v: sealEnvelope(randomBytes(i * 7), i % 2 ? k1 : k3, 'kek-v1'), c: [2, 1] });
    vals.push({ v: sealEnvelope(Buffer.from('on target'), k2, 'kek-v2'), c: [0] });
    const tampered = { ...sealEnvelope(Buffer.from('tampered'), k1, 'kek-v1') };
    const ct = Buffer.from(tampered.ciphertext, 'base64');
    ct[ct.length - 1] ^= 0x80;
    tampered.ciphertext = ct.toString('base64');
    vals.push({ v: tampered, c: [1] });
    vals.push({ v: { ...vals[1].v, nonce: 7 as unknown as string }, c: [1] }); // not a string
    vals.push({ v: { ...vals[1].v, ciphertext: vals[1].v.ciphertext.slice(1) }, c: [1] }); // not base64
    vals.push({ v: vals[1].v, c: [0, 5, -1] }); // no candidate unwraps (and indices out of the table)
    vals.push({ v: { ...vals[1].v, dek_wrapped: 'x' }, c: [1] });
    const req = (verify: boolean) => ({ id: 1, verify, wrap: !verify, c: vals.map((x) => x.c), w: vals.map((x) => x.v.dek_wrapped), no: vals.map((x) => x.v.nonce), ct: vals.map((x) => x.v.ciphertext) });
    const want = vals.map(({ v }, i) => {
      if (typeof v.nonce !== 'string' || i >= vals.length - 3) return null;
      for (const [k, idx] of [[k3, 2], [k1, 1], [k2, 0]] as const) {
        try {
          if (!vals[i].c.includes(idx)) continue;
          const dek = unwrapDek(k, v.dek_wrapped);
          openEnvelopeData(v, dek);
          return { by: idx, digest: createHash('sha256').update('K').update(dek).update(v.nonce).update('|').update(v.ciphertext).digest() };
        } catch {
          continue;
        }
      }
      return null;
    });
    assert.equal(want.filter((x) => x).length, 41);
    for (const gcm of allGcmKernels()) {
      const kernel = new EnvelopeKernel([Buffer.from(k2), Buffer.from(k1), Buffer.from(k3)], 0, gcm);
      const r = runKernel(kernel, req(false));
      want.forEach((w, i) => {
        assert.equal(r.st[i], w ? 1 : 0, `${gcm.name}: value ${i}`);
        if (!w) return;
        assert.equal(r.by[i], w.by, `${gcm.name}: value ${i}`);
        assert.deepEqual(Buffer.from(r.dg.subarray(i * 32, i * 32 + 32)), w.digest, `${gcm.name}: digest ${i}`);
        if (w.by === 0) assert.equal(r.wr[i], null);
        else assert.deepEqual(unwrapDek(k2, r.wr[i] as string), unwrapDek(w.by === 1 ? k1 : k3, vals[i].v.dek_wrapped));
      });
      const v = runKernel(kernel, { ...req(true), c: vals.map(() => [0]) });
      // the read-back tries the target KEK only: just the value on it
      assert.deepEqual([...v.st].flatMap((x, i) => (x ? [i] : [])), [40]);
      assert.deepEqual(Buffer.from(v.dg.subarray(40 * 32, 41 * 32)), want[40]?.digest);
      kernel.dispose();
    }
  });

  it('a batch is one buffer: texts byte-exact (UTF-8), candidates in order, a member that is no string gets none', () => {
    const items = [
      { candidates: [2, 0], dekWrapped: 'd1', nonce: 'n1', ciphertext: 'c\u00e9\u{1F600}' },
      { candidates: [1], dekWrapped: 'd2', nonce: 7 as unknown as string, ciphertext: 'c2' },
      { candidates: [-1, 3, 1.5], dekWrapped: '', nonce: 'n3', ciphertext: 'c3' },
    ];
    const req = kernelRequest(4, items, { verify: true, wrap: false });
    assert.ok(req.buf instanceof ArrayBuffer);
    assert.deepEqual([req.id, req.n, req.verify, req.wrap], [4, 3, true, false]);
    const v = requestViews(req);
    const t = (i: number, j: number) => v.bytes.toString('utf8', v.text[6 * i + 2 * j], v.text[6 * i + 2 * j + 1]);
    const cands = (i: number) => [...v.cand.subarray(v.cAt[i], v.cAt[i + 1])];
    assert.deepEqual([t(0, 0), t(0, 1), t(0, 2)], ['d1', 'n1', 'c\u00e9\u{1F600}']);
    assert.deepEqual(cands(0), [2, 0]);
    assert.deepEqual([t(1, 0), t(1, 1), t(1, 2), cands(1)], ['', '', '', []]);
    assert.deepEqual([t(2, 0), t(2, 1), t(2, 2), cands(2)], ['', 'n3', 'c3', [-1, 3, -1]]);
  });

  it('the read-back digest covers the texts as UTF-8 bytes, hostile non-ASCII included (same as the per-value digest)', () => {
    for (const gcm of allGcmKernels()) {
      const k = randomBytes(32);
      const good = sealEnvelope(Buffer.from('x'), k, 'kek-v2');
      const odd = { ...good, ciphertext: good.ciphertext + '\u00e9\u2028\u{1F600}', nonce: '\u00ff' + good.nonce };
      const kernel = new EnvelopeKernel([Buffer.from(k)], 0, gcm);
      const vals = [good, odd];
      const r = runKernel(kernel, { id: 1, verify: true, wrap: false, c: [[0], [0]], w: vals.map((x) => x.dek_wrapped), no: vals.map((x) => x.nonce), ct: vals.map((x) => x.ciphertext) });
      const dek = unwrapDek(k, good.dek_wrapped);
      assert.deepEqual(r.st, [1, 1], gcm.name);
      assert.deepEqual(r.dg.subarray(0, 32), dekDigest(dek, good.nonce, good.ciphertext), gcm.name);
      assert.deepEqual(r.dg.subarray(32, 64), dekDigest(dek, odd.nonce, odd.ciphertext), gcm.name);
      // the rewrite authenticates the data: the odd value is left to the main thread
      const w = runKernel(kernel, { id: 2, verify: false, wrap: true, c: [[0], [0]], w: vals.map((x) => x.dek_wrapped), no: vals.map((x) => x.nonce), ct: vals.map((x) => x.ciphertext) });
      assert.deepEqual(w.st, [1, 0], gcm.name);
      kernel.dispose();
    }
  });

  it('no code in strings: no eval worker, no Function constructor in src/', () => {
    const root = join(__dirname, '../../../../src');
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []));
    const files = walk(root);
    assert.ok(files.some((f) => f.endsWith('crypto-worker.ts')));
    for (const f of files) assert.doesNotMatch(readFileSync(f, 'utf8'), /eval\s*:\s*true|new Function\(|\beval\(/, f);
  });
});
