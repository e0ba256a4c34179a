import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../../src/core/engine';
import { countLogsPerKey } from '../../../src/core/log-counts';
import { generateEnvelopeLog } from '../../fixtures/generate';

describe('countLogsPerKey (workspace logs counted on demand)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclog-counts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sums entries per key version over files, reports the ones it could not count, and stops when aborted', async () => {
    const a = await generateEnvelopeLog(dir, { entries: 10, fileName: 'a.encrypted.log' });
    const b = await generateEnvelopeLog(dir, { entries: 6, fileName: 'b.encrypted.log' });
    const keyFiles = a.keySpecs.map((spec, i) => {
      const p = join(dir, `k${i}.key`);
      writeFileSync(p, spec);
      chmodSync(p, 0o600);
      return `file:${p}`;
    });
    const engine = createEngine({ keyRefs: keyFiles, retired: new Set(), poolSize: 1 });
    try {
      const seen: string[] = [];
      const r = await countLogsPerKey(engine, [a.path, join(dir, 'missing.encrypted.log'), b.path], undefined, (p) => seen.push(p));
      assert.equal(r.files, 2);
      assert.equal(r.cancelled, false);
      assert.deepEqual(r.failed.map((f) => f.path), [join(dir, 'missing.encrypted.log')]);
      assert.match(r.failed[0].error, /ENOENT|no such file/i);
      const total = [...r.counts.values()].reduce((x, y) => x + y, 0);
      assert.equal(total, 16);
      assert.equal(seen.length, 3);

      const ctl = new AbortController();
      ctl.abort();
      const none = await countLogsPerKey(engine, [a.path, b.path], ctl.signal);
      assert.equal(none.files, 0);
      assert.equal(none.cancelled, true);
    } finally {
      await engine.dispose();
    }
  });
});
