import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { float64s, GrowableArray } from '../../../src/core/formats/growable-array';
import { LogFile } from '../../../src/core/formats/log-file';
import type { IndexProgress } from '../../../src/core/formats/line-index';
import { LogSession } from '../../../src/core/log-session';
import type { FieldOpener } from '../../../src/core/keys/types';
import type { LogRecord } from '../../../src/core/model';
import { generateEnvelopeLog, generateSymbiontLog } from '../../fixtures/generate';
import { useTmpDir } from '../../support/tmp-dir';

async function collect(f: LogFile): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of f.iterateRecords()) out.push(r);
  return out;
}

const noKeys: FieldOpener = { openFields: async (fields) => fields.map(() => ({ ok: false, reason: 'no-key', message: 'none' }) as never) };

describe('progressive LogFile open', () => {
  const dir = useTmpDir('progressive');
  const chunkBytes = 4096;

  it('opens after the first chunk, serves the entries known so far, then matches a full open', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 300, bad: true });
    const full = await LogFile.open(fx.path, { chunkBytes });
    const prog = await LogFile.open(fx.path, { chunkBytes, progressive: true });
    try {
      const seen: IndexProgress[] = [];
      prog.onIndexProgress((p) => seen.push(p));
      assert.equal(prog.indexing, true);
      assert.ok(prog.entryCount > 0 && prog.entryCount < 300, `entries known at open: ${prog.entryCount}`);
      assert.ok(prog.indexProgress.indexedBytes < prog.indexProgress.totalBytes);
      const early = prog.entryCount;
      assert.deepEqual(await prog.readRecords(0, early + 50), await full.readRecords(0, early));
      await prog.whenIndexed();
      assert.equal(prog.indexing, false);
      assert.equal(prog.entryCount, 300);
      assert.deepEqual(await collect(prog), await collect(full));
      assert.deepEqual(await prog.readRecords(250, 100), await full.readRecords(250, 100));
      assert.ok(seen.length > 2);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.indexedBytes >= seen[i - 1]!.indexedBytes);
      assert.equal(seen[seen.length - 1]!.done, true);
      assert.equal(seen[seen.length - 1]!.indexedBytes, readFileSync(fx.path).length);
      assert.ok(prog.index.memoryBytes <= full.index.memoryBytes + 4096);
    } finally {
      await Promise.all([full.close(), prog.close()]);
    }
  });

  it('live tail: extend() waits for the background build, then indexes what was appended', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 200, fileName: 'tail.log' });
    const more = await generateEnvelopeLog(dir(), { entries: 5, seed: 9, fileName: 'more.log' });
    const f = await LogFile.open(fx.path, { chunkBytes, progressive: true });
    try {
      assert.equal(f.indexing, true);
      appendFileSync(fx.path, readFileSync(more.path));
      const r = await f.extend();
      assert.equal(f.indexing, false);
      // The background build may already have seen the appended lines; either way all 205 are indexed.
      assert.ok(r.status === 'grown' || r.status === 'unchanged');
      assert.equal(f.entryCount, 205);
      const last = await f.readRecords(200, 10);
      assert.deepEqual(last.map((x) => x.id), more.entries.map((e) => e.id));
      assert.deepEqual(await f.extend(), { status: 'unchanged' });
    } finally {
      await f.close();
    }
  });

  it('closing while indexing stops the build cleanly', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 200, fileName: 'close.log' });
    const f = await LogFile.open(fx.path, { chunkBytes, progressive: true });
    assert.equal(f.indexing, true);
    await f.close();
    assert.equal(f.indexing, false);
    await f.whenIndexed();
  });

  it('Symbiont: reads wait for the whole index so UPDATE lines further on are merged', async () => {
    const fx = await generateSymbiontLog(dir(), { entries: 24, fileName: 'sym.log' });
    const full = await LogFile.open(fx.path, { chunkBytes: 512 });
    const prog = await LogFile.open(fx.path, { chunkBytes: 512, progressive: true });
    try {
      assert.deepEqual(await prog.readRecords(0, 24), await full.readRecords(0, 24));
      assert.equal(prog.indexing, false);
    } finally {
      await Promise.all([full.close(), prog.close()]);
    }
  });

  it('LogSession.openProgressive: survey covers every entry', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 150, fileName: 'survey.log' });
    const s = await LogSession.openProgressive(fx.path, noKeys);
    try {
      const survey = await s.survey();
      assert.equal(survey.entries, 150);
      assert.equal(s.entryCount(), 150);
      assert.equal(s.indexing, false);
      assert.equal(s.indexProgress().done, true);
    } finally {
      await s.close();
    }
  });
});

describe('GrowableArray (blocked)', () => {
  it('keeps every value across block boundaries, trims and views', async () => {

    const a = new GrowableArray(float64s, 16);
    const n = (1 << 16) * 2 + 123;
    for (let i = 0; i < n; i++) a.push(i * 3.5);
    a.trim();
    for (let i = 0; i < 1000; i++) a.push((n + i) * 3.5); // pushes after a trim reopen the last block
    assert.equal(a.length, n + 1000);
    for (let i = 0; i < n + 1000; i += 1) if (a.get(i) !== i * 3.5) assert.fail(`value ${i}`);
    const v = a.view();
    assert.equal(v.length, n + 1000);
    assert.equal(v[n + 999], (n + 999) * 3.5);
    assert.ok(a.byteLength < (n + 1000) * 8 + (1 << 16) * 8);
    const small = new GrowableArray(float64s, 16);
    for (let i = 0; i < 100; i++) small.push(i);
    small.trim(4);
    small.push(100);
    assert.deepEqual([...small.view()].slice(-3), [98, 99, 100]);
  });
});
