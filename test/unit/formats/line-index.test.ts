import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineIndex } from '../../../src/core/formats/line-index';
import { idHash } from '../../../src/core/formats/update-ids';
import { useTmpDir } from '../../support/tmp-dir';

/** The reference: split the whole content at once. */
function naive(content: Buffer, classifyUpdates: boolean) {
  const starts: number[] = [];
  const entries: number[] = [];
  const updates: number[] = [];
  let s = 0;
  for (;;) {
    const nl = content.indexOf(10, s);
    if (nl < 0) break;
    const line = starts.length;
    starts.push(s);
    const text = content.toString('latin1', s, nl);
    if (!/^[ \t\r]*$/.test(text)) (classifyUpdates && text.startsWith('UPDATE: ') ? updates : entries).push(line);
    s = nl + 1;
  }
  return { starts, entries, updates, complete: s };
}

async function build(path: string, classifyUpdates: boolean, chunkBytes?: number) {
  const fh = await open(path, 'r');
  return { fh, index: await LineIndex.build(fh, path, { classifyUpdates, chunkBytes }) };
}

function check(index: LineIndex, content: Buffer, classifyUpdates: boolean) {
  const ref = naive(content, classifyUpdates);
  assert.equal(index.lineCount, ref.starts.length);
  assert.equal(index.byteLength, ref.complete);
  assert.equal(index.pendingBytes, content.length - ref.complete);
  ref.starts.forEach((s, i) => assert.equal(index.lineStart(i), s));
  assert.equal(index.entryCount, ref.entries.length);
  ref.entries.forEach((l, e) => {
    assert.equal(index.entryLine(e), l);
    assert.equal(index.entryOfLine(l), e);
  });
  assert.equal(index.updateCount, ref.updates.length);
  ref.updates.forEach((l, k) => assert.equal(index.updates.lineAt(k), l));
}

const lineArb = fc.oneof(
  fc.constantFrom('', ' ', '\r', ' \t\r', '{"a":1}', '{"a":1}\r', 'UPDATE: ', 'UPDATE: {"id":"abc"}', 'UPDATE: {"id":"ab\\"c"}', 'UPDAT', 'é漢字😀'),
  fc.string({ maxLength: 40 }).map((s) => s.replace(/\n/g, '')),
  fc.tuple(fc.constantFrom('', 'UPDATE: {"id":"', '  '), fc.string({ minLength: 100, maxLength: 400 })).map(([p, s]) => p + s.replace(/\n/g, '')),
);

describe('LineIndex', () => {
  const dir = useTmpDir('index');

  it('matches a naive split for random contents, chunk sizes, CRLF and a missing final newline', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { maxLength: 60 }), fc.boolean(), fc.integer({ min: 16, max: 700 }), fc.boolean(), async (lines, finalNl, chunk, classify) => {
        const content = Buffer.from(lines.join('\n') + (finalNl ? '\n' : ''), 'utf8');
        const path = join(dir(), `p${n++}.log`);
        writeFileSync(path, content);
        const { fh, index } = await build(path, classify, chunk);
        try {
          check(index, content, classify);
        } finally {
          await fh.close();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds UPDATE lines by id hash and marks ids it cannot read at the fixed place', async () => {
    const id = '0b7a1f1e-8d2c-4c55-9a55-3b0f5d2f2a10';
    const content = [`{"id":"${id}"}`, `UPDATE: {"id":"${id}","latency_ms":1}`, `UPDATE: {"latency_ms":2,"id":"${id}"}`, 'UPDATE: {"id":"other"}', ''].join('\n');
    const path = join(dir(), 'upd.log');
    writeFileSync(path, content);
    const { fh, index } = await build(path, true);
    try {
      assert.deepEqual(index.updates.candidateLines(idHash(id)), [1, 2]);
      assert.deepEqual(index.updates.candidateLines(idHash('other')), [2, 3]);
      assert.deepEqual(index.updates.candidateLines(idHash('nobody')), [2]);
    } finally {
      await fh.close();
    }
  });

  it('keeps lookups right when many updates arrive through extend (sorted part + tail)', async () => {
    const path = join(dir(), 'many.log');
    const ids = Array.from({ length: 12000 }, (_, i) => `id-${i}`);
    writeFileSync(path, ids.slice(0, 6000).map((id) => `UPDATE: {"id":"${id}"}\n`).join(''));
    const { fh, index } = await build(path, true);
    try {
      assert.deepEqual(index.updates.candidateLines(idHash('id-17')), [17]);
      appendFileSync(path, ids.slice(6000).map((id) => `UPDATE: {"id":"${id}"}\n`).join(''));
      assert.equal((await index.extend()).status, 'grown');
      for (const i of [0, 5999, 6000, 11999, 8123]) assert.deepEqual(index.updates.candidateLines(idHash(`id-${i}`)), [i]);
    } finally {
      await fh.close();
    }
  });

  it('extend() indexes appended lines, completes a pending line, and reports unchanged', async () => {
    const path = join(dir(), 'grow.log');
    writeFileSync(path, '{"a":1}\n{"b":');
    const { fh, index } = await build(path, false, 64);
    try {
      assert.equal(index.entryCount, 1);
      assert.equal(index.pendingBytes, 5);
      assert.deepEqual(await index.extend(), { status: 'unchanged' });
      appendFileSync(path, '2}\n\n{"c":3}\r\n{"d"');
      assert.deepEqual(await index.extend(), { status: 'grown', newLines: 3, newEntries: 2, newUpdates: 0 });
      const { readFileSync } = await import('node:fs');
      check(index, readFileSync(path), false);
    } finally {
      await fh.close();
    }
  });

  it('extend() says rebuild when the file shrank, changed underneath, or was replaced', async () => {
    const path = join(dir(), 'shrink.log');
    writeFileSync(path, '{"a":1}\n{"b":2}\n');
    let { fh, index } = await build(path, false);
    truncateSync(path, 4);
    assert.equal((await index.extend()).status, 'rebuild');
    await fh.close();

    writeFileSync(path, '{"a":1}\n{"b":2}\n');
    ({ fh, index } = await build(path, false));
    writeFileSync(path, '{"x":9}\n{"y":8}\n{"z":7}\n'); // same inode, rewritten in place
    assert.equal((await index.extend()).status, 'rebuild');
    await fh.close();

    writeFileSync(path, '{"a":1}\n');
    ({ fh, index } = await build(path, false));
    writeFileSync(path + '.new', '{"a":1}\n{"b":2}\n');
    renameSync(path + '.new', path);
    assert.deepEqual(await index.extend(), { status: 'rebuild', reason: 'file was replaced' });
    await fh.close();
  });

  // Reads 4 GiB of a sparse file (~9 s of kernel zero-filling): set ENCLOG_SLOW_TESTS=1 to run.
  it('handles offsets beyond 4 GiB (sparse file)', async function () {
    if (!process.env.ENCLOG_SLOW_TESTS) this.skip();
    this.timeout(120_000);
    const path = join(dir(), 'huge.log');
    const fd = openSync(path, 'w');
    writeSync(fd, '{"first":1}\n', 0);
    const far = 4 * 1024 ** 3 + 12345;
    writeSync(fd, '\n{"far":2}\nUPDATE: {"id":"x"}\n', far);
    closeSync(fd);
    const { fh, index } = await build(path, true);
    try {
      assert.equal(index.lineCount, 4);
      assert.equal(index.entryCount, 3); // the hole is one long line of NULs
      assert.equal(index.lineStart(2), far + 1);
      assert.equal(index.lineStart(3), far + 11);
      assert.equal(index.byteLength, far + 30);
      const b = Buffer.alloc(9);
      await fh.read(b, 0, 9, index.lineStart(2));
      assert.equal(b.toString(), '{"far":2}');
    } finally {
      await fh.close();
    }
  });

  it('stays within 32 bytes per entry', async () => {
    const path = join(dir(), 'mem.log');
    writeFileSync(path, Array.from({ length: 50000 }, (_, i) => `{"i":${i}}\nUPDATE: {"id":"${i}"}\n`).join(''));
    const { fh, index } = await build(path, true);
    try {
      assert.equal(index.entryCount, 50000);
      assert.ok(index.memoryBytes / index.entryCount <= 32, `${index.memoryBytes / index.entryCount} bytes/entry`);
    } finally {
      await fh.close();
    }
  });
});
