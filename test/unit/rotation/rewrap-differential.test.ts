import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlineDeriver } from '../../../src/core/crypto/argon2';
import { sealEnvelope } from '../../../src/core/crypto/envelope-cipher';
import { engineRotationKeys } from '../../../src/core/engine';
import { reencryptFiles, type FileReport } from '../../../src/core/rotation/reencrypt';
import { SeededRandom } from '../../fixtures/random';
import { useTmpDir } from '../../support/tmp-dir';

/**
 * Differential test of the two rewrap paths: the same hostile log rotated with worker threads (whole
 * batches on the workers, odd batches handed back) and without (every batch on the calling thread)
 * must give the same report and the same file, up to the fresh wrapped DEKs.
 */
describe('rotation: worker threads and the calling thread agree on hostile logs', function () {
  this.timeout(60000);
  const dir = useTmpDir('rewrap-diff');

  function hostileLog(seed: number, k1: Buffer, k2: Buffer): Buffer {
    const r = new SeededRandom(seed);
    const seal = (key: Buffer, id: string) => sealEnvelope(Buffer.from(`p${r.int(1e6)}`), key, id);
    const entry = (req: unknown, extra = '') => `{"id":"${r.uuid()}","timestamp":"2025-01-01T00:00:00Z"${extra},"request_data":${JSON.stringify(req)},"response_data":${JSON.stringify(seal(k1, 'kek-v1'))},"n":18446744073709551617}`;
    const tamper = (v: ReturnType<typeof seal>) => {
      const ct = Buffer.from(v.ciphertext, 'base64');
      ct[r.int(ct.length)] ^= 1 << r.int(8);
      return { ...v, ciphertext: ct.toString('base64') };
    };
    const odd: Array<() => Buffer | string> = [
      () => entry(seal(k2, 'kek-v2')), // already on the target
      () => entry(seal(k1, 'kek-v1'), ',"meta":"é 日本 \\u0000"') + '\r', // non-ASCII, CR LF
      () => Buffer.concat([Buffer.from(entry(seal(k1, 'kek-v1'), ',"m":"').slice(0, -1)), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(`"}`)]), // not UTF-8 outside the values
      () => entry(tamper(seal(k1, 'kek-v1'))),
      () => entry(tamper(seal(k2, 'kek-v2'))),
      () => entry(seal(randomBytes(32), 'kek-zz')), // unknown key_id
      () => entry({ ...seal(k1, 'kek-v1'), alg: 'AES-128-GCM' }), // unsupported header
      () => Buffer.from(r.bytes(1 + r.int(200)).map((b) => (b === 10 ? 32 : b))), // garbage
      () => entry(seal(k1, 'kek-v1')).slice(0, r.int(300)), // truncated JSON
      () => entry(seal(k1, 'kek-v1')).replace('{"version":1,', '{ "version": 1, '), // a value not written compactly
      () => { const v = seal(k1, 'kek-v1'); return entry(v).replace('"request_data":', `"request_data":${JSON.stringify(seal(k1, 'kek-v1'))},"request_data":`); }, // duplicate member: the last one counts
      () => entry({ ...seal(k1, 'kek-v1'), extra: { deep: '['.repeat(3) } }), // extra member inside the value
      () => entry({ ...seal(k1, 'kek-v1'), note: 'é 日本 😀' }), // non-ASCII inside the value
      () => `\ufeff${entry(seal(k1, 'kek-v1'))}`, // BOM
      () => entry(seal(k1, 'kek-v1'), `,"deep":${'['.repeat(5000)}${']'.repeat(5000)}`),
      () => '',
      () => ' \t ',
      () => `{"id":"x","request_data":"not an envelope","response_data":null}`,
    ];
    const lines: Buffer[] = [];
    // Blocks of one batch (16 lines): a few all clean, the others with ONE odd line, so a block stays on a
    // worker unless that one line needs the regular code: every odd kind is met on both paths.
    for (let b = 0; b < 64; b++) {
      const oddAt = b % 4 === 0 ? -1 : r.int(16);
      for (let i = 0; i < 16; i++) {
        const l = i === oddAt ? odd[(b + seed) % odd.length]() : entry(seal(k1, 'kek-v1'));
        lines.push(Buffer.concat([typeof l === 'string' ? Buffer.from(l, 'utf8') : l, Buffer.from('\n')]));
      }
    }
    return Buffer.concat(lines);
  }

  const normalize = (b: Buffer): string => b.toString('latin1').replace(/"dek_wrapped":"[A-Za-z0-9+/=]{80}"/g, '"dek_wrapped":W');
  const reportShape = (r: FileReport) => ({ kernel: r.kernel, status: r.status, error: r.error, lines: r.lines, entries: r.entries, fields: r.fields, rewritten: r.fieldsRewritten, onTarget: r.fieldsOnTarget, failed: r.fieldsFailed, from: r.from, failures: r.failures, workerFailure: r.workerFailure });

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: same report and same file, up to the fresh wrapped DEKs`, async () => {
      const k1 = randomBytes(32);
      const k2 = randomBytes(32);
      const src = join(dir(), `src-${seed}.log`);
      writeFileSync(src, hostileLog(seed, k1, k2), { mode: 0o600 });
      const keyFile = (name: string, spec: string) => {
        const p = join(dir(), name);
        writeFileSync(p, spec + '\n', { mode: 0o600 });
        return `file:${p}`;
      };
      const to = keyFile(`new-${seed}.key`, `kek-v2:${k2.toString('base64')}`);
      const old = keyFile(`old-${seed}.key`, `kek-v1:${k1.toString('base64')}`);
      const out: Record<number, { report: FileReport; bytes: Buffer }> = {};
      for (const threads of [0, 2]) {
        const path = join(dir(), `t${threads}-${seed}.envelope.log`);
        copyFileSync(src, path);
        const keys = engineRotationKeys({ keyRefs: [to, old], deriver: inlineDeriver() });
        const [report] = await reencryptFiles([path], keys, { to, batchSize: 16, threads });
        await keys.dispose();
        out[threads] = { report, bytes: readFileSync(path) };
      }
      assert.equal(out[0].report.status, 'rotated', out[0].report.error ?? '');
      assert.ok(out[0].report.fieldsRewritten > 1000 && out[0].report.fieldsFailed > 0 && out[0].report.failures.length > 10);
      assert.deepEqual(reportShape(out[2].report), reportShape(out[0].report));
      assert.equal(out[0].report.workerBatches, null);
      const wb = out[2].report.workerBatches;
      assert.ok(wb && wb.done >= 40 && wb.handedBack >= 40, JSON.stringify(wb)); // both paths ran, in both passes
      assert.equal(normalize(out[2].bytes), normalize(out[0].bytes));
      assert.notDeepEqual(out[2].bytes, out[0].bytes); // the wrapped DEKs are fresh in each run
    });
  }
});
