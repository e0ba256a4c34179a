import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeLines, lineBatches } from '../../../src/core/formats/complete-lines';

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

  it('lineBatches cuts at the line count or the byte budget, a longer line alone; every line once, in order', async () => {
    const lens = [10, 10, 10, 10, 10, 300, 10, 10, 50, 10];
    const p = join(dir, 'b.log');
    writeFileSync(p, lens.map((n, i) => String.fromCharCode(97 + i).repeat(n - 1) + '\n').join(''));
    const fh = await open(p, 'r');
    try {
      const sizes: number[][] = [];
      const total = lens.reduce((a, b) => a + b, 0);
      for await (const b of lineBatches(completeLines(fh, 0, total), 4, 40)) sizes.push(b.map((l) => l.whole.length));
      // 4 lines (count), then 10 + 300 (bytes), then 10 + 10 + 50 (bytes), then the rest
      assert.deepEqual(sizes, [[10, 10, 10, 10], [10, 300], [10, 10, 50], [10]]);
    } finally {
      await fh.close();
    }
  });
});

