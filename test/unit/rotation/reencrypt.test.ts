import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { inlineDeriver } from '../../../src/core/crypto/argon2';
import { sealEnvelope, unwrapDek } from '../../../src/core/crypto/envelope-cipher';
import { KeyResolver } from '../../../src/core/keys/resolver';
import { createKeySources } from '../../../src/core/keys/sources';
import { LogFile } from '../../../src/core/formats/log-file';
import { reencryptFiles, type RotationPhase } from '../../../src/core/rotation/reencrypt';
import { ENVELOPE_WORKER_SCRIPT } from '../../../src/core/rotation/crypto-worker';
import { engineRotationKeys } from '../../../src/core/engine';
import { generateEnvelopeLog, generateSymbiontLog } from '../../fixtures/generate';
import { useTmpDir } from '../../support/tmp-dir';

function keyFile(dir: string, name: string, value: string): string {
  const p = join(dir, name);
  writeFileSync(p, value + '\n', { mode: 0o600 });
  chmodSync(p, 0o600);
  return `file:${p}`;
}

/** Files a rotation of `log` made and left behind (private names, journal, lock). */
function leftovers(log: string): string[] {
  const b = basename(log);
  return readdirSync(dirname(log)).filter((n) => n.startsWith(`.${b}.enclog-`) || n === `${b}.rotate-journal` || n === `${b}.rotate-lock`);
}

const kek = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/** Decrypts every entry of a log with only the given refs; returns request/response per entry and the keys used. */
async function readAll(path: string, refs: string[]) {
  const resolver = new KeyResolver(createKeySources(refs), { deriver: inlineDeriver() });
  const file = await LogFile.open(path);
  const out: Array<{ id: string | null; ok: boolean; key: string | null; values: string[] }> = [];
  try {
    for await (const r of file.iterateRecords()) {
      const res = await resolver.openFields(r.fields);
      out.push({ id: r.id, ok: res.every((x) => x.ok) && r.fields.length > 0, key: res[0]?.ok ? res[0].key.label : null, values: res.map((x) => (x.ok ? x.plaintext.toString() : '')) });
    }
  } finally {
    await file.close();
  }
  return out;
}

describe('rotation: re-encrypt / rewrap files', function () {
  this.timeout(30000);
  const dir = useTmpDir('rot-unit');

  for (const threads of [0, 2]) it(`the read-back verification fails the run when the written file differs: a byte outside the values, a wrong wrapped DEK, two lines swapped, threads: ${threads}`, async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 30, fileName: `verify-${threads}.log` });
    const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `vold${i}.key`, s));
    const to = keyFile(dir(), 'vnew.key', kek('kek-v3'));
    const original = readFileSync(fx.path);
    const tamperings: Array<[string, (lines: string[]) => void]> = [
      ['a byte outside the values', (l) => (l[3] = l[3]!.replace('"id":"', '"id":"x'))],
      ['a wrapped DEK from another line', (l) => {
        const w = (line: string) => /"dek_wrapped":"([^"]+)"/.exec(line)![1]!;
        l[5] = l[5]!.replace(w(l[5]!), w(l[6]!));
      }],
      ['two lines swapped', (l) => ([l[1], l[2]] = [l[2]!, l[1]!])],
    ];
    for (const [what, tamper] of tamperings) {
      const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
      const [r] = await reencryptFiles([fx.path], keys, {
        to,
        batchSize: 4,
        threads,
        onPhase: (p) => {
          if (p !== 'tmp-written') return;
          const tmp = leftovers(fx.path).find((n) => n.endsWith('.tmp'))!;
          const path = join(dirname(fx.path), tmp);
          const lines = readFileSync(path, 'utf8').split('\n');
          tamper(lines);
          writeFileSync(path, lines.join('\n'));
        },
      });
      await keys.dispose();
      assert.equal(r.status, 'failed', what);
      assert.match(r.error ?? '', /verification failed/, what);
      assert.equal(r.committed, false, what);
      assert.ok(readFileSync(fx.path).equals(original), `${what}: the log is untouched`);
      assert.deepEqual(leftovers(fx.path), [], `${what}: nothing left behind`);
    }
  });

  it('a worker thread that fails is reported, and this thread does its share: same result, every value verified', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 40, fileName: 'worker-fails.log' });
    const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `wf-old${i}.key`, s));
    const to = keyFile(dir(), 'wf-new.key', kek('kek-v3'));
    const expected = await readAll(fx.path, oldRefs);
    const script = readFileSync(ENVELOPE_WORKER_SCRIPT);
    writeFileSync(ENVELOPE_WORKER_SCRIPT, "throw new Error('worker broken for the test');\n");
    let r;
    try {
      const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
      [r] = await reencryptFiles([fx.path], keys, { to, batchSize: 16, threads: 2 });
      await keys.dispose();
    } finally {
      writeFileSync(ENVELOPE_WORKER_SCRIPT, script);
    }
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.equal(r.fieldsRewritten, r.fields);
    assert.match(r.workerFailure ?? '', /rewrap worker .*worker broken for the test/);
    const after = await readAll(fx.path, [to]);
    assert.deepEqual(after.map((e) => e.values), expected.map((e) => e.values));
    assert.ok(after.every((e) => e.ok));
  });

  for (const threads of [0, 2]) it(`envelope rewrap changes only key_id and dek_wrapped; nonce and ciphertext stay byte-identical, threads: ${threads}`, async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 40, fileName: `a-${threads}.log` });
    const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `old${i}.key`, s));
    const to = keyFile(dir(), 'new.key', kek('kek-v3'));
    const before = readFileSync(fx.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const expected = await readAll(fx.path, oldRefs);
    const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
    const [r] = await reencryptFiles([fx.path], keys, { to, batchSize: 7, threads });
    await keys.dispose();
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.equal(r.fieldsFailed, 0);
    assert.equal(r.fieldsRewritten, r.fields);
    const after = readFileSync(fx.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(after.length, before.length);
    after.forEach((e, i) => {
      for (const f of ['request_data', 'response_data']) {
        if (before[i][f] === null) continue;
        assert.equal(e[f].key_id, 'kek-v3');
        assert.equal(e[f].nonce, before[i][f].nonce);
        assert.equal(e[f].ciphertext, before[i][f].ciphertext);
        assert.notEqual(e[f].dek_wrapped, before[i][f].dek_wrapped);
      }
      assert.deepEqual({ ...e, request_data: 0, response_data: 0 }, { ...before[i], request_data: 0, response_data: 0 });
    });
    const got = await readAll(fx.path, [to]);
    assert.deepEqual(got.map((g) => g.values), expected.map((g) => g.values));
    assert.ok(got.every((g) => g.ok && g.key === to));
    assert.equal((statSync(fx.path).mode & 0o777).toString(8), '600');
    assert.deepEqual(leftovers(fx.path), []);
  });

  it('a rerun on a rotated file changes nothing; --backup keeps FILE.bak; a dry run writes nothing', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 12, fileName: 'b.log' });
    const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `b-old${i}.key`, s));
    const to = keyFile(dir(), 'b-new.key', kek('kek-v9'));
    const original = readFileSync(fx.path);
    const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
    const [dry] = await reencryptFiles([fx.path], keys, { to, dryRun: true });
    assert.equal(dry.status, 'dry-run');
    assert.equal(dry.fieldsRewritten, dry.fields);
    assert.ok(readFileSync(fx.path).equals(original));
    const [r] = await reencryptFiles([fx.path], keys, { to, backup: true });
    assert.equal(r.status, 'rotated');
    assert.ok(readFileSync(fx.path + '.bak').equals(original));
    const rotated = readFileSync(fx.path);
    const [again] = await reencryptFiles([fx.path], keys, { to });
    assert.equal(again.status, 'unchanged');
    assert.equal(again.fieldsOnTarget, again.fields);
    assert.ok(readFileSync(fx.path).equals(rotated));
    await keys.dispose();
  });

  it('a log another run holds: the report says so by its code (rotation-in-progress), the log untouched; other failures carry no such code', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 6, fileName: 'held.log' });
    const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `held-old${i}.key`, s));
    const to = keyFile(dir(), 'held-new.key', kek('kek-v4'));
    const original = readFileSync(fx.path);
    writeFileSync(`${fx.path}.rotate-lock`, JSON.stringify({ pid: process.pid, host: hostname(), start: null, at: 'now' }), { mode: 0o600 });
    const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
    try {
      const [busy, missing] = await reencryptFiles([fx.path, join(dir(), 'no-such.log')], keys, { to });
      assert.equal(busy.status, 'failed');
      assert.equal(busy.errorCode, 'rotation-in-progress');
      assert.ok(readFileSync(fx.path).equals(original));
      assert.equal(missing.status, 'failed');
      assert.equal(missing.errorCode, null, missing.error ?? '');
    } finally {
      await keys.dispose();
    }
  });

  it('mixed values (old KEK, already on target, tampered data, unknown key_id) in large batches: same outcome on both threads', async () => {
    const k1 = kek('kek-v1');
    const k2 = kek('kek-v2');
    const key = (spec: string) => Buffer.from(spec.split(':')[1], 'base64');
    const tamper = (v: ReturnType<typeof sealEnvelope>) => {
      const ct = Buffer.from(v.ciphertext, 'base64');
      ct[0] ^= 1;
      return { ...v, ciphertext: ct.toString('base64') };
    };
    const lines: string[] = [];
    const kinds = { old: 0, target: 0, tamperedOld: 0, tamperedTarget: 0, unknown: 0 };
    for (let i = 0; i < 300; i++) {
      const k = i % 5;
      let v;
      if (k === 0 || k === 4) (v = sealEnvelope(Buffer.from(`v${i}`), key(k1), 'kek-v1')), kinds.old++;
      else if (k === 1) (v = sealEnvelope(Buffer.from(`v${i}`), key(k2), 'kek-v2')), kinds.target++;
      else if (k === 2) (v = tamper(sealEnvelope(Buffer.from(`v${i}`), i % 2 ? key(k1) : key(k2), i % 2 ? 'kek-v1' : 'kek-v2')), i % 2 ? kinds.tamperedOld++ : kinds.tamperedTarget++);
      else (v = sealEnvelope(Buffer.from(`v${i}`), randomBytes(32), 'kek-zz')), kinds.unknown++;
      lines.push(JSON.stringify({ id: `e${i}`, request_data: v, response_data: null }));
    }
    const path = join(dir(), 'm.envelope.log');
    writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
    const to = keyFile(dir(), 'm-new.key', k2);
    const keys = engineRotationKeys({ keyRefs: [to, keyFile(dir(), 'm-old.key', k1)], deriver: inlineDeriver() });
    const [r] = await reencryptFiles([path], keys, { to, batchSize: 64, threads: 2 });
    await keys.dispose();
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.equal(r.fields, 300);
    assert.equal(r.fieldsRewritten, kinds.old);
    assert.equal(r.fieldsOnTarget, kinds.target);
    assert.equal(r.fieldsFailed, kinds.tamperedOld + kinds.tamperedTarget + kinds.unknown);
    assert.equal(r.failures.filter((f) => /failed authentication/.test(f.message)).length, kinds.tamperedOld + kinds.tamperedTarget);
    assert.equal(r.failures.filter((f) => /no configured KEK has key_id 'kek-zz'/.test(f.message)).length, kinds.unknown);
    const out = readFileSync(path, 'utf8').trim().split('\n');
    out.forEach((l, i) => {
      const k = i % 5;
      if (k === 0 || k === 4) assert.match(l, /"key_id":"kek-v2"/);
      else assert.equal(l, lines[i]);
    });
  });

  it('keeps integer-like keys and unknown fields exactly; bad lines are reported, left as they are', async () => {
    const k1 = kek('kek-v1');
    const [id1, b1] = k1.split(':');
    const env = (s: string) => JSON.stringify(sealEnvelope(Buffer.from(s), Buffer.from(b1, 'base64'), id1));
    const lines = [
      `{"id":"e1","metadata":{"b":"x","10":"ten","2":"two"},"request_data":${env('one')},"response_data":null,"zz":{"3":1}}`,
      `{"id":"e2","request_data":${env('two')},"response_data":${env('two-r')}}`,
      'not json at all',
      '   ',
      `{"id":"e3","request_data":${env('three')},"response_data":null}`,
    ];
    const path = join(dir(), 'c.envelope.log');
    writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
    const old = keyFile(dir(), 'c-old.key', k1);
    const to = keyFile(dir(), 'c-new.key', kek('kek-v2'));
    const keys = engineRotationKeys({ keyRefs: [to, old], deriver: inlineDeriver() });
    const [r] = await reencryptFiles([path], keys, { to });
    await keys.dispose();
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.equal(r.fieldsRewritten, 4);
    assert.equal(r.failures.length, 1);
    assert.match(r.failures[0].message, /not a JSON line/);
    const out = readFileSync(path, 'utf8').split('\n');
    assert.match(out[0], /^\{"id":"e1","metadata":\{"b":"x","10":"ten","2":"two"\},"request_data":\{"version":1,"alg":"AES-256-GCM","key_id":"kek-v2",/);
    assert.ok(out[0].endsWith(',"response_data":null,"zz":{"3":1}}'));
    assert.equal(out[2], 'not json at all');
    assert.equal(out[3], '   ');
  });

  for (const threads of [0, 2]) it(`bytes outside the values are kept exactly (invalid UTF-8, non-ASCII, CR LF), threads: ${threads}; a value that is not valid UTF-8 leaves its line as it is`, async () => {
    const k1 = kek('kek-v1');
    const k2 = kek('kek-v2');
    const key = (spec: string) => Buffer.from(spec.split(':')[1], 'base64');
    const lines: Buffer[] = [];
    const values: Array<ReturnType<typeof sealEnvelope> | null> = [];
    for (let i = 0; i < 40; i++) {
      const v = sealEnvelope(Buffer.from(`v${i}`), key(k1), 'kek-v1');
      const head = Buffer.from(`{"id":"e${i}","note":"`, 'latin1');
      const odd = i % 4 === 1 ? Buffer.from([0xff, 0xfe, 0x41]) : i % 4 === 2 ? Buffer.from('é ü 日本', 'utf8') : Buffer.from('plain');
      const tail = Buffer.from(`","request_data":${JSON.stringify(v)},"n":123456789012345678901234567890}`, 'utf8');
      const term = Buffer.from(i % 3 === 0 ? '\r\n' : '\n');
      if (i === 13) {
        lines.push(Buffer.from('{"id":"bad"\n')); // this batch goes to this thread
        values.push(null);
        continue;
      }
      if (i === 22) {
        // a value whose bytes are not UTF-8: its text as parsed is not in the line
        const broken = Buffer.concat([Buffer.from(JSON.stringify({ ...v, x: 'Q' }).replace('"Q"', '"'), 'utf8'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
        lines.push(Buffer.concat([Buffer.from('{"id":"e22","request_data":'), broken, Buffer.from('}\n')]));
        values.push(null);
        continue;
      }
      lines.push(Buffer.concat([head, odd, tail, term]));
      values.push(v);
    }
    const path = join(dir(), `bytes-${threads}.envelope.log`);
    writeFileSync(path, Buffer.concat(lines), { mode: 0o600 });
    const to = keyFile(dir(), 'bytes-new.key', k2);
    const keys = engineRotationKeys({ keyRefs: [to, keyFile(dir(), 'bytes-old.key', k1)], deriver: inlineDeriver() });
    const [r] = await reencryptFiles([path], keys, { to, batchSize: 4, threads });
    await keys.dispose();
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.equal(r.workerFailure, null);
    assert.equal(r.fieldsRewritten, 38);
    assert.equal(r.lines, 40);
    assert.deepEqual(r.failures.map((f) => f.line), [13, 22]);
    assert.match(r.failures[1].message, /not written as valid UTF-8/);
    const out = readFileSync(path);
    let at = 0;
    lines.forEach((orig, i) => {
      const v = values[i];
      if (!v) {
        assert.deepEqual(out.subarray(at, at + orig.length), orig, `line ${i} left as it is`);
        at += orig.length;
        return;
      }
      const s = orig.toString('latin1');
      const from = `"key_id":"kek-v1","dek_wrapped":"${v.dek_wrapped}"`;
      const rest = out.subarray(at).toString('latin1');
      const m = /"key_id":"kek-v2","dek_wrapped":"([A-Za-z0-9+/=]+)"/.exec(rest) as RegExpExecArray;
      const expected = Buffer.from(s.replace(from, `"key_id":"kek-v2","dek_wrapped":"${m[1]}"`), 'latin1');
      assert.deepEqual(out.subarray(at, at + expected.length), expected, `line ${i}`);
      assert.deepEqual(unwrapDek(key(k2), m[1]), unwrapDek(key(k1), v.dek_wrapped));
      at += expected.length;
    });
    assert.equal(at, out.length);
  });

  for (const threads of [0, 2]) it(`a value with a member nested 100,000 levels deep is rewritten like any other (no stack overflow), threads: ${threads}`, async () => {
    const k1 = kek('kek-v1');
    const key = Buffer.from(k1.split(':')[1], 'base64');
    const v = sealEnvelope(Buffer.from('deep'), key, 'kek-v1');
    const depth = 100_000;
    const deep = JSON.stringify(v).slice(0, -1) + ',"extra":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
    const plain = JSON.stringify(sealEnvelope(Buffer.from('flat'), key, 'kek-v1'));
    const lines = [`{"id":"d","request_data":${deep},"response_data":${plain}}`, `{"id":"f","request_data":${plain}}`];
    const path = join(dir(), `deep-${threads}.envelope.log`);
    writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
    const to = keyFile(dir(), 'deep-new.key', kek('kek-v2'));
    const keys = engineRotationKeys({ keyRefs: [to, keyFile(dir(), 'deep-old.key', k1)], deriver: inlineDeriver() });
    const [r] = await reencryptFiles([path], keys, { to, threads });
    await keys.dispose();
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.deepEqual([r.fieldsRewritten, r.fieldsFailed, r.workerFailure], [3, 0, null]);
    const out = readFileSync(path, 'utf8').split('\n');
    assert.ok(out[0].includes('"key_id":"kek-v2"') && out[0].endsWith(']'.repeat(depth) + '},"response_data":' + out[0].slice(out[0].lastIndexOf('{"version"'))));
    assert.equal(out[0].length, lines[0].length);
  });

  it('Symbiont: re-encrypts with the new key string (entries and UPDATE lines); only the new key reads it back', async () => {
    const fx = await generateSymbiontLog(dir(), { entries: 10, fileName: 'd.log', orphanUpdate: true });
    const a = keyFile(dir(), 'd-a.key', fx.keyA);
    const b = keyFile(dir(), 'd-b.key', fx.keyB);
    const newKey = randomBytes(32).toString('base64');
    const to = keyFile(dir(), 'd-new.key', newKey);
    const before = await readAll(fx.path, [a, b]);
    const keys = engineRotationKeys({ keyRefs: [to, a, b], deriver: inlineDeriver() });
    const [r] = await reencryptFiles([fx.path], keys, { to, kdf: 'Argon2', batchSize: 4 });
    await keys.dispose();
    assert.equal(r.status, 'rotated', r.error ?? '');
    assert.equal(r.fieldsFailed, 0);
    const text = readFileSync(fx.path, 'utf8');
    assert.ok(text.split('\n').filter((l) => l.startsWith('UPDATE: ')).length >= 10);
    const after = await readAll(fx.path, [to]);
    assert.deepEqual(after.map((x) => [x.id, x.values]), before.map((x) => [x.id, x.values]));
    assert.ok(after.every((x) => x.ok && x.key === to));
    const withOld = await readAll(fx.path, [a, b]);
    assert.ok(withOld.every((x) => !x.ok), 'the old keys open nothing any more');
    // orphan UPDATE re-encrypted too
    const orphan = text.split('\n').find((l) => l.includes(fx.orphanIds[0]));
    assert.ok(orphan && orphan.startsWith('UPDATE: '));
  });

  for (const threads of [0, 2]) it(`cancel mid-way leaves the original intact and no temporary file, threads: ${threads}`, async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 300, fileName: `e-${threads}.log` });
    const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `e-old${i}.key`, s));
    const to = keyFile(dir(), 'e-new.key', kek('kek-v5'));
    const original = readFileSync(fx.path);
    const ac = new AbortController();
    let batches = 0;
    const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
    const [r] = await reencryptFiles([fx.path], keys, {
      to,
      batchSize: 10,
      threads,
      signal: ac.signal,
      onPhase: (p) => {
        if (p === 'batch-written' && ++batches === 5) ac.abort();
      },
    });
    await keys.dispose();
    assert.equal(r.status, 'cancelled');
    assert.ok(readFileSync(fx.path).equals(original));
    assert.deepEqual(leftovers(fx.path), []);
  });

  // A batch's write runs while the next batches are dispatched: its failure must still fail the rotation, at once and cleanly.
  for (const threads of [0, 2]) it(`a write failing mid-way (batch 4 of 30) fails the rotation with its error, leaves the original intact and nothing behind, threads: ${threads}`, async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 300, fileName: `w-${threads}.log` });
    const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `w-old${i}.key`, s));
    const to = keyFile(dir(), 'w-new.key', kek('kek-v5'));
    const original = readFileSync(fx.path);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    let batches = 0;
    const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
    try {
      const [r] = await reencryptFiles([fx.path], keys, {
        to,
        batchSize: 10,
        threads,
        onPhase: (p) => {
          // the phase follows the batch's write in the same chain: a throw here is that write failing
          if (p === 'batch-written' && ++batches === 4) throw Object.assign(new Error('simulated write failure'), { code: 'EIO' });
        },
      });
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(r.status, 'failed');
      assert.match(r.error ?? '', /simulated write failure/);
      assert.equal(batches, 4, 'no batch is written after the failed one');
    } finally {
      await keys.dispose();
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
    assert.ok(readFileSync(fx.path).equals(original));
    assert.deepEqual(leftovers(fx.path), []);
  });

  for (const phase of ['verified', 'journal-written', 'linked', 'tail-caught-up', 'renamed', 'salvaged'] as RotationPhase[]) {
    it(`a crash at '${phase}' leaves the old or the new file; a rerun completes`, async () => {
      const fx = await generateEnvelopeLog(dir(), { entries: 30, fileName: `f-${phase}.log` });
      const oldRefs = fx.keySpecs.map((s, i) => keyFile(dir(), `f-${phase}-old${i}.key`, s));
      const to = keyFile(dir(), `f-${phase}-new.key`, kek('kek-v7'));
      const expected = await readAll(fx.path, oldRefs);
      const original = readFileSync(fx.path);
      const keys = engineRotationKeys({ keyRefs: [to, ...oldRefs], deriver: inlineDeriver() });
      const late = (id: string) => `{"id":"${id}","request_data":${JSON.stringify(sealEnvelope(Buffer.from(id), fx.keks[0].key, fx.keks[0].id))},"response_data":null}\n`;
      const reached = new Set<string>();
      const [r] = await reencryptFiles([fx.path], keys, {
        to,
        onPhase: (p) => {
          reached.add(p);
          // a writer appends before the tail catch-up, and again just before the rename
          if (p === 'tmp-synced') appendFileSync(fx.path, late('late-1'));
          if (p === 'tail-caught-up') appendFileSync(fx.path, late('late-2'));
          if (p === phase) throw Object.assign(new Error('simulated crash'), { code: 'ECRASH' });
        },
      });
      assert.equal(r.status, 'failed');
      const now = readFileSync(fx.path);
      const isOld = now.subarray(0, original.length).equals(original);
      const mid = await readAll(fx.path, [to, ...oldRefs]);
      assert.ok(mid.slice(0, expected.length).every((m, i) => m.ok && m.values.join() === expected[i].values.join()));
      if (!isOld) assert.ok(mid.slice(0, expected.length).every((m) => m.key === to), 'new file: every entry on the new key');
      const [again] = await reencryptFiles([fx.path], keys, { to });
      await keys.dispose();
      assert.ok(again.status === 'rotated' || again.status === 'unchanged', `${again.status} ${again.error}`);
      const done = await readAll(fx.path, [to]);
      const ids = done.map((d) => d.id);
      assert.ok(done.every((d) => d.ok && d.key === to));
      assert.deepEqual(done.slice(0, expected.length).map((d) => d.values), expected.map((e) => e.values));
      assert.ok(ids.includes('late-1'), 'the line appended during the rotation is kept');
      if (reached.has('tail-caught-up')) assert.ok(ids.includes('late-2'), 'the line appended just before the rename is kept');
      assert.deepEqual(leftovers(fx.path), []);
    });
  }
});
