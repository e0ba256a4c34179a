import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeBatches, completeLines, rawLines } from '../../../src/core/formats/complete-lines';
import { SeededRandom } from '../../fixtures/random';

describe('completeLines (the one streaming line reader)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'enclog-lines-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function read(content: Buffer, partialLast: boolean): Promise<Array<[string, string, number]>> {
    const p = join(dir, 'f.log');
    writeFileSync(p, content);
    const fh = await open(p, 'r');
    try {
      const out: Array<[string, string, number]> = [];
      for await (const l of completeLines(fh, 0, content.length, { partialLast })) out.push([l.bytes.toString('latin1'), l.term.toString('latin1'), l.next]);
      return out;
    } finally {
      await fh.close();
    }
  }

  it('LF ends a line, CRLF is one terminator, a lone CR is data; a partial last line only on request', async () => {
    const content = Buffer.from('a\r\nb\rc\n\nlast');
    assert.deepEqual(await read(content, false), [
      ['a', '\r\n', 3],
      ['b\rc', '\n', 7],
      ['', '\n', 8],
    ]);
    assert.deepEqual((await read(content, true)).at(-1), ['last', '', 12]);
    assert.deepEqual(await read(Buffer.from('x\n'), true), [['x', '\n', 2]]);
  });

  it('a line longer than a 1 MiB read is joined once and whole', async () => {
    const long = 'y'.repeat((1 << 20) * 2 + 17);
    const got = await read(Buffer.from(`${long}\n${long}`), true);
    assert.deepEqual(got.map(([b, t, n]) => [b.length, t, n]), [
      [long.length, '\n', long.length + 1],
      [long.length, '', 2 * long.length + 1],
    ]);
  });

  it('completeBatches cuts at the line count or the byte budget, a longer line alone; every line once, in order', async () => {
    const lens = [10, 10, 10, 10, 10, 300, 10, 10, 50, 10];
    const p = join(dir, 'b.log');
    writeFileSync(p, lens.map((n, i) => String.fromCharCode(97 + i).repeat(n - 1) + '\n').join(''));
    const fh = await open(p, 'r');
    try {
      const sizes: number[][] = [];
      const total = lens.reduce((a, b) => a + b, 0);
      for await (const b of completeBatches(fh, 0, total, 4, { maxBytes: 40 })) sizes.push(rawLines(b).map((l) => l.whole.length));
      // 4 lines (count), then 10 + 300 (bytes), then 10 + 10 + 50 (bytes), then the rest
      assert.deepEqual(sizes, [[10, 10, 10, 10], [10, 300], [10, 10, 50], [10]]);
    } finally {
      await fh.close();
    }
  });

  it('completeBatches: every byte once, in order, cut by line count or byte budget, whatever the read boundaries (random files)', async () => {
    const r = new SeededRandom(99);
    const p = join(dir, 'r.log');
    for (let round = 0; round < 12; round++) {
      // lines of random lengths, some longer than a 1 MiB read, CR LF and lone CRs, maybe a partial last line
      const parts: Buffer[] = [];
      const n = 1 + r.int(200);
      for (let i = 0; i < n; i++) {
        const len = r.int(50) === 0 ? r.int(3 << 20) : r.int(3000);
        const body = Buffer.alloc(len, 0x61 + (i % 26));
        if (len > 2 && r.int(3) === 0) body[r.int(len)] = 13;
        parts.push(body, Buffer.from(r.int(4) === 0 ? '\r\n' : '\n'));
      }
      if (r.int(2)) parts.push(Buffer.from('partial'));
      const content = Buffer.concat(parts);
      writeFileSync(p, content);
      const complete = content.lastIndexOf(10) + 1;
      const [maxLines, maxBytes] = [1 + r.int(300), 1 + r.int(2 << 20)];
      const fh = await open(p, 'r');
      try {
        for (const partialLast of [false, true]) {
          const batches = [];
          for await (const b of completeBatches(fh, 0, content.length, maxLines, { partialLast, maxBytes })) batches.push(b);
          assert.deepEqual(Buffer.concat(batches.map((b) => b.bytes)), content.subarray(0, partialLast ? content.length : complete));
          let at = 0;
          for (const [i, b] of batches.entries()) {
            assert.equal(b.start, at);
            assert.equal(b.next, at + b.bytes.length);
            at = b.next;
            const lines = rawLines(b);
            assert.equal(lines.length, b.count);
            assert.ok(b.count <= maxLines);
            // cut as soon as the budget is reached: without its last line a batch is under both limits
            if (i < batches.length - 1) assert.ok(b.count === maxLines || (b.bytes.length >= maxBytes && b.bytes.length - lines.at(-1)!.whole.length < maxBytes));
            assert.equal(lines.at(-1)!.next, b.next);
          }
          // the lines one by one are the same reader's
          const one: string[] = [];
          for await (const l of completeLines(fh, 0, content.length, { partialLast })) one.push(`${l.whole.length}:${l.next}`);
          assert.deepEqual(one, batches.flatMap((b) => rawLines(b).map((l) => `${l.whole.length}:${l.next}`)));
        }
      } finally {
        await fh.close();
      }
    }
  });
});
