/**
 * Rotation figures on this machine (not a test): rewrap MB/s of a ~200 MB envelope log vs a plain
 * copy of the same file (read + write + fsync), and Symbiont re-encrypt entries/s for both kdf labels.
 * Run: npm run build && node out/test/integration/rotation-bench/bench.js [MB]
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { reencryptFiles } from '../../../src/core/rotation';
import { engineRotationKeys } from '../../../src/core/engine';
import { generateEnvelopeLog, generateSymbiontLog } from '../../fixtures/generate';

async function main(): Promise<void> {
  const targetMb = Number(process.argv[2] ?? 200);
  const dir = mkdtempSync(join(tmpdir(), 'enclog-bench-'));
  try {
    const fx = await generateEnvelopeLog(dir, { entries: 20000, fileName: 'seed.log' });
    const seed = readFileSync(fx.path);
    const copies = Math.max(1, Math.round((targetMb * 1e6) / seed.length));
    const big = join(dir, 'big.envelope.log');
    writeFileSync(big, Buffer.concat(Array.from({ length: copies }, () => seed)), { mode: 0o600 });
    const bytes = statSync(big).size;
    const key = (name: string, v: string) => {
      writeFileSync(join(dir, name), v + '\n', { mode: 0o600 });
      return `file:${join(dir, name)}`;
    };
    const olds = fx.keySpecs.map((s, i) => key(`o${i}.key`, s));
    const to = key('n.key', `kek-v9:${randomBytes(32).toString('base64')}`);

    let t = performance.now();
    await pipeline(createReadStream(big), createWriteStream(join(dir, 'copy.log')));
    const fd = openSync(join(dir, 'copy.log'), 'r+');
    fsyncSync(fd);
    closeSync(fd);
    const copyS = (performance.now() - t) / 1000;
    rmSync(join(dir, 'copy.log'));

    const keys = engineRotationKeys({ keyRefs: [to, ...olds] });
    t = performance.now();
    const [r] = await reencryptFiles([big], keys, { to, batchSize: 1024 });
    const rotS = (performance.now() - t) / 1000;
    await keys.dispose();
    const mb = bytes / 1e6;
    console.log(`envelope rewrap: ${mb.toFixed(0)} MB, ${r.entries} entries, ${r.fieldsRewritten} DEKs re-wrapped, status ${r.status}: ${rotS.toFixed(1)} s = ${(mb / rotS).toFixed(1)} MB/s (incl. read-back verification)`);
    console.log(`plain copy (stream + fsync): ${copyS.toFixed(2)} s = ${(mb / copyS).toFixed(0)} MB/s; rewrap/copy time ratio ${(rotS / copyS).toFixed(1)}x`);

    for (const [kdf, entries] of [['Argon2', 40], ['Argon2id-m65536-t3-p1', 12]] as const) {
      const s = await generateSymbiontLog(dir, { entries, kdf, updates: true, fileName: `sym-${kdf}.log` });
      const a = key(`sa-${kdf}.key`, s.keyA);
      const b = key(`sb-${kdf}.key`, s.keyB);
      const n = key(`sn-${kdf}.key`, randomBytes(32).toString('base64'));
      const k = engineRotationKeys({ keyRefs: [n, a, b] });
      t = performance.now();
      const [sr] = await reencryptFiles([s.path], k, { to: n, kdf });
      const secs = (performance.now() - t) / 1000;
      await k.dispose();
      console.log(`Symbiont re-encrypt (${kdf} -> ${kdf}, ${k.poolSize} Argon2 workers): ${sr.entries} entries, ${sr.fieldsRewritten} fields in ${secs.toFixed(1)} s = ${(sr.entries / secs).toFixed(1)} entries/s, status ${sr.status}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
