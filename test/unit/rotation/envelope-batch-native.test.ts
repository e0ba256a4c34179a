import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { openEnvelopeData, sealEnvelope, sealEnvelopeWithDek, unwrapDek, wrapDek } from '../../../src/core/crypto/envelope-cipher';
import { ENVELOPE_SCAN, gcmKernel, type EnvelopeKeyTable, type GcmKernel } from '../../../src/core/crypto/gcm-kernel';
import { lineFields } from '../../../src/core/formats/line-fields';
import type { EnvelopeValue } from '../../../src/core/model';
import { runBatch, type BatchDone, type BatchReply, type BatchSpec } from '../../../src/core/rotation/batch-work';
import { EnvelopeKernel } from '../../../src/core/rotation/envelope-kernel';

const gcm = gcmKernel();
const parsedOnly: GcmKernel = { ...gcm, rewrapEnvelopeBatch: undefined };

const k1 = randomBytes(32); // kek-v1: the old KEK
const k2 = randomBytes(32); // kek-v2: the target
const other = randomBytes(32); // a KEK the rotation does not have
// 'alias-of-v2' names the target KEK under another key_id: the batch paths hand such a value back in a rewrite
// 'kek-v1-legacy' is longer than the target's key_id: a batch with it cannot be rewritten in place
const spec: BatchSpec = { targetKeyId: 'kek-v2', target: 0, candidates: new Map([['kek-v1', [1]], ['kek-v2', [0]], ['alias-of-v2', [0]], ['either', [0, 1]], ['kek-v1-legacy', [1]]]) };
const kernel = () => new EnvelopeKernel([Buffer.from(k2), Buffer.from(k1)], 0);

type Mode = { verify: boolean; dryRun: boolean };
const REWRITE: Mode = { verify: false, dryRun: false };
const DRY: Mode = { verify: false, dryRun: true };
const VERIFY: Mode = { verify: true, dryRun: true };
const run = (g: GcmKernel, buf: Buffer, mode: Mode): BatchReply => runBatch(kernel(), spec, { id: 7, ...mode, buf: new Uint8Array(buf).buffer }, g);
/** A reply with the fresh wrapped DEKs (random nonces) masked, to compare two rewrites. */
const masked = (r: BatchReply) => (r.done ? { ...r, out: r.out && Buffer.from(r.out).toString('latin1').replace(/"dek_wrapped":"[^"]{80}"/g, '"dek_wrapped":"W"') } : r);

const b64flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
/** Value kinds: plain, on the target, under a KEK not loaded, tampered data, not strict base64, an unknown key_id, ... */
const VALUES: Record<string, () => EnvelopeValue> = {
  old: () => sealEnvelope(randomBytes(1 + (randomBytes(1)[0] % 90)), k1, 'kek-v1'),
  onTarget: () => sealEnvelope(randomBytes(30), k2, 'kek-v2'),
  either: () => sealEnvelope(randomBytes(30), k1, 'either'),
  longId: () => sealEnvelope(randomBytes(30), k1, 'kek-v1-legacy'),
  alias: () => sealEnvelope(randomBytes(30), k2, 'alias-of-v2'),
  foreignKek: () => sealEnvelope(randomBytes(30), other, 'kek-v1'),
  unknownId: () => sealEnvelope(randomBytes(30), k1, 'kek-v9'),
  tampered: () => {
    const v = sealEnvelope(randomBytes(30), k1, 'kek-v1');
    return { ...v, ciphertext: b64flip(v.ciphertext, 3) };
  },
  badNonce: () => ({ ...sealEnvelope(randomBytes(30), k1, 'kek-v1'), nonce: 'AAAAAAAAAAAAAAA=' }),
  shortCt: () => ({ ...sealEnvelope(randomBytes(30), k1, 'kek-v1'), ciphertext: 'QUJD' }),
  notB64Dek: () => {
    const v = sealEnvelope(randomBytes(30), k1, 'kek-v1');
    return { ...v, dek_wrapped: `${v.dek_wrapped.slice(0, 79)}*` };
  },
  emptyData: () => {
    const dek = randomBytes(32);
    return sealEnvelopeWithDek(Buffer.alloc(0), dek, 'kek-v1', wrapDek(k1, dek));
  },
};
const KINDS = Object.keys(VALUES);
const PLAIN = ['old', 'onTarget', 'either', 'old', 'old', 'emptyData', 'longId'];

function lineOf(req: string | null, res: string | null, variant: number): string {
  const v = (k: string | null) => (k === null ? 'null' : JSON.stringify(VALUES[k]()));
  const body = [`"request_data":${v(req)}`, `"response_data":${v(res)}`];
  if (variant % 3 === 1) body.reverse();
  const extra = variant % 4 === 2 ? ',"usage":{"tokens":9007199254740993},"tags":["a",{"b":null}]' : '';
  return `{"ts":"2026-12-04T00:00:00Z",${body.join(',')}${extra}}${variant % 5 === 3 ? '\r' : ''}`;
}

/** The rewritten values of a batch decrypt, under the target KEK alone, to what the original values did under theirs. */
function assertSamePlaintexts(before: Buffer, after: Buffer): void {
  const values = (b: Buffer) => b.toString('utf8').split('\n').filter(Boolean).flatMap((l) => lineFields(l, 'envelope').fields.map((f) => (f.field as { data: EnvelopeValue }).data));
  const a = values(before);
  const b = values(after);
  assert.equal(a.length, b.length);
  a.forEach((v, i) => {
    const kek = v.key_id === 'kek-v2' || v.key_id === 'alias-of-v2' ? k2 : k1; // kek-v1, kek-v1-legacy, either: k1
    assert.equal(b[i].key_id, 'kek-v2');
    assert.deepEqual(openEnvelopeData(b[i], unwrapDek(k2, b[i].dek_wrapped)), openEnvelopeData(v, unwrapDek(kek, v.dek_wrapped)));
  });
}

describe('rotation: the native envelope batch (envelope_batch.c) against the JavaScript batch path', function () {
  this.timeout(120_000);
  before(function () {
    if (!gcm.rewrapEnvelopeBatch) {
      if (process.env.ENCLOG_REQUIRE_NATIVE_KERNEL === '1') assert.fail(`the native kernel is required: ${gcm.detail}`);
      this.skip();
    }
  });

  it('random batches of plain and odd values: the same reply as the parsed way in every mode (done, counts, records, bytes up to fresh DEKs; or handed back for the same value)', () => {
    let done = 0;
    let left = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.constant(null), fc.constantFrom(...KINDS), fc.constantFrom(...PLAIN)), fc.oneof(fc.constant(null), fc.constantFrom(...PLAIN)), fc.nat(59)), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (rows, lastWithoutLf) => {
          const text = rows.map(([a, b, v]) => lineOf(a, b, v)).join('\n') + (lastWithoutLf ? '' : '\n');
          const batch = Buffer.from(text);
          for (const mode of [REWRITE, DRY]) {
            const n = run(gcm, batch, mode);
            const p = run(parsedOnly, batch, mode);
            assert.deepEqual(masked(n), masked(p));
            if (!n.done) {
              left++;
              continue;
            }
            done++;
            if (mode.dryRun) continue;
            const out = Buffer.from(n.out!);
            assertSamePlaintexts(batch, out);
            const back = run(gcm, out, VERIFY);
            assert.deepEqual(back, run(parsedOnly, out, VERIFY));
            assert.equal(back.done, true);
            assert.deepEqual(Buffer.from((back as BatchDone).digests), Buffer.from(n.digests), 'the read-back gives the records the rewrite gave');
          }
        },
      ),
      { numRuns: 300, seed: 20261204 },
    );
    assert.ok(done > 100 && left > 100, `both ways exercised (done ${done}, handed back ${left})`);
  });

  it('hands a batch back, naming the value, for each reason the JavaScript path does', () => {
    const reason = (kinds: Array<string | null>, mode = REWRITE) => {
      const r = run(gcm, Buffer.from(`${lineOf(kinds[0], kinds[1] ?? null, 0)}\n`), mode);
      assert.equal(r.done, false);
      return (r as { reason: string }).reason;
    };
    assert.equal(reason(['old', 'foreignKek']), 'value 1: not opened by the kernel');
    assert.equal(reason(['tampered']), 'value 0: not opened by the kernel');
    assert.equal(reason(['badNonce']), 'value 0: not opened by the kernel');
    assert.equal(reason(['shortCt']), 'value 0: not opened by the kernel');
    assert.equal(reason(['notB64Dek']), 'value 0: not opened by the kernel');
    assert.equal(reason(['old', 'alias']), 'value 1: not re-wrapped');
    assert.match(reason(['unknownId']), /key_id "kek-v9" is not for the batch kernel/);
    // the dry run counts the alias as rewritten, as the parsed way does
    const aliased = Buffer.from(`${lineOf('old', 'alias', 0)}\n`);
    assert.deepEqual(run(gcm, aliased, DRY), run(parsedOnly, aliased, DRY));
    assert.equal((run(gcm, aliased, DRY) as BatchDone).rewritten, 2);
    // the read-back takes the target KEK alone: a value still under kek-v1 goes the parsed way and is handed back
    assert.equal(run(gcm, Buffer.from(`${lineOf('old', null, 0)}\n`), VERIFY).done, false);
  });

  it('each re-wrapped DEK has its own fresh nonce, and the output keeps every other byte of the line', () => {
    const lines = Array.from({ length: 200 }, (_, i) => lineOf('old', 'old', i));
    const batch = Buffer.from(lines.join('\n') + '\n');
    const a = run(gcm, batch, REWRITE) as BatchDone;
    const b = run(gcm, batch, REWRITE) as BatchDone;
    const nonces = (r: BatchDone) => [...Buffer.from(r.out!).toString('latin1').matchAll(/"dek_wrapped":"([^"]{80})"/g)].map((m) => Buffer.from(m[1], 'base64').subarray(0, 12).toString('hex'));
    const all = [...nonces(a), ...nonces(b)];
    assert.equal(all.length, 800);
    assert.equal(new Set(all).size, 800);
    const strip = (s: string) => s.replace(/"dek_wrapped":"[^"]*"/g, '').replace(/"key_id":"[^"]*"/g, '');
    assert.equal(strip(Buffer.from(a.out!).toString('latin1')), strip(batch.toString('latin1')));
    assert.deepEqual([a.lines, a.entries, a.fields, a.onTarget, a.rewritten, { ...a.from }], [200, 200, 400, 0, 400, { 1: 400 }]);
  });

  it('a target key_id that needs escaping is written escaped, and read back under its name', () => {
    const odd: BatchSpec = { targetKeyId: 'kek "v2"\\é', target: 0, candidates: new Map([['kek-v1', [1]]]) };
    const r = runBatch(kernel(), odd, { id: 1, ...REWRITE, buf: new Uint8Array(Buffer.from(`${lineOf('old', null, 0)}\n`)).buffer }) as BatchDone;
    assert.equal(r.done, true);
    const v = lineFields(Buffer.from(r.out!).toString('utf8').trimEnd(), 'envelope').fields[0].field as { data: EnvelopeValue };
    assert.equal(v.data.key_id, 'kek "v2"\\é');
  });

  it('malformed calls throw a RangeError before any work (sizes, key_id table, candidate indices)', () => {
    const call = (t: Partial<EnvelopeKeyTable>, over: { scan?: Uint32Array; digests?: Uint8Array; from?: Uint32Array; info?: Float64Array; mode?: number } = {}) => {
      const table: EnvelopeKeyTable = { ...kernel().keyTable(spec.candidates, spec.targetKeyId), ...t };
      return gcm.rewrapEnvelopeBatch!(Buffer.from('{}\n'), table, (over.mode ?? 0) as 0, over.scan ?? new Uint32Array(4 * ENVELOPE_SCAN.stride), over.digests ?? new Uint8Array(4 * 32), over.from ?? new Uint32Array(2), over.info ?? new Float64Array(7), false);
    };
    assert.equal(Buffer.from(call({})!).toString(), '{}\n'); // a well-formed call runs: a line without values, written as it was
    assert.throws(() => call({ cand: Uint32Array.of(5) }), RangeError);
    assert.throws(() => call({ target: 2 }), RangeError);
    assert.throws(() => call({ keks: new Uint8Array(33) }), RangeError);
    assert.throws(() => call({ idOff: Uint32Array.of(0, 1000), candOff: Uint32Array.of(0, 1) }), RangeError);
    assert.throws(() => call({ idOff: Uint32Array.of(0, 3, 2), candOff: Uint32Array.of(0, 1, 1) }), RangeError);
    assert.throws(() => call({}, { digests: new Uint8Array(8) }), RangeError);
    assert.throws(() => call({}, { from: new Uint32Array(1) }), RangeError);
    assert.throws(() => call({}, { mode: 3 }), RangeError);
    assert.throws(() => call({}, { info: new Float64Array(2) }), RangeError);
  });
});
