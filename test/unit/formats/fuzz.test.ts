import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LogFile } from '../../../src/core/formats/log-file';
import { parseEnvelopeEntry } from '../../../src/core/formats/envelope';
import { parseSymbiontEntry, parseSymbiontUpdate } from '../../../src/core/formats/symbiont';
import { parseTransitLine } from '../../../src/core/formats/transit-jsonl';
import type { FormatId, LogRecord } from '../../../src/core/model';
import { createLocalTransit } from '../../fixtures/local-transit';
import { generateEnvelopeLog, generateSymbiontLog, generateTransitJsonl } from '../../fixtures/generate';
import { SeededRandom } from '../../fixtures/random';
import { useTmpDir } from '../../support/tmp-dir';

const parsers = [parseSymbiontEntry, parseEnvelopeEntry, parseTransitLine];

function wellFormed(r: LogRecord): void {
  if (r.parseError !== null) assert.deepEqual(r.fields, [], 'a parse error carries no fields');
  else assert.ok(r.raw !== null);
}

/** Byte-level damage: flips, deletions, insertions of JSON-significant characters, truncation. */
function garble(line: string, r: SeededRandom): string {
  const chars = [...line];
  for (let k = 1 + r.int(4); k > 0; k--) {
    const at = r.int(chars.length + 1);
    const op = r.int(4);
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, r.pick(['"', '{', '}', ',', ':', '\\', '\u0000', 'é', '[', ' ']));
    else if (op === 2) chars[at] = String.fromCharCode(r.int(128));
    else chars.length = Math.min(chars.length, at);
  }
  return chars.join('').replace(/\n/g, '');
}

describe('garbled and truncated lines', function () {
  this.timeout(60_000);
  const dir = useTmpDir('fuzz');

  it('no parser throws on arbitrary strings, and bad records carry no fields', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constantFrom('{"request_data":{}}', '{"id":1,"request_data":[]}', 'null', '"x"', '{"__proto__":{"id":"x"}}')), (s) => {
        for (const p of parsers) wellFormed(p(s, 0, 0));
        parseSymbiontUpdate('UPDATE: ' + s, 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('every proper prefix of a real line is a parse error', async () => {
    const lt = createLocalTransit(2);
    const files = [
      (await generateSymbiontLog(dir(), { entries: 2, updates: false, fileName: 's.log' })).path,
      (await generateEnvelopeLog(dir(), { entries: 2, fileName: 'e.log' })).path,
      (await generateTransitJsonl(dir(), { entries: 2, encrypt: (p) => lt.encrypt(p), fileName: 't.jsonl' })).path,
    ];
    files.forEach((path, k) => {
      const line = readFileSync(path, 'utf8').split('\n')[0]!;
      for (let n = 0; n < line.length; n++) assert.notEqual(parsers[k]!(line.slice(0, n), 0, 0).parseError, null, `prefix ${n}`);
    });
  });

  const cases: Array<[FormatId, (d: string) => Promise<string>]> = [
    ['symbiont', async (d) => (await generateSymbiontLog(d, { entries: 4, fileName: 'gs.log' })).path],
    ['envelope', async (d) => (await generateEnvelopeLog(d, { entries: 20, fileName: 'ge.log' })).path],
    ['transit-jsonl', async (d) => { const lt = createLocalTransit(3); return (await generateTransitJsonl(d, { entries: 20, encrypt: (p) => lt.encrypt(p), fileName: 'gt.jsonl' })).path; }],
  ];
  for (const [format, make] of cases) {
    it(`${format}: thousands of garbled lines among good ones give one parse error per bad entry`, async () => {
      const good = readFileSync(await make(dir()), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('UPDATE: '));
      const r = new SeededRandom(format.length);
      const lines: string[] = [];
      const expectBad: boolean[] = [];
      const untouched: boolean[] = [];
      for (let i = 0; i < 3000; i++) {
        const src = r.pick(good);
        const g = i % 10 === 0 ? src : garble(src, r);
        if (g.trim() === '' || g.startsWith('UPDATE: ')) continue;
        lines.push(g);
        untouched.push(g === src);
        let valid = true;
        try {
          JSON.parse(g);
        } catch {
          valid = false;
        }
        expectBad.push(!valid);
      }
      const path = join(dir(), `garbled-${format}.log`);
      writeFileSync(path, lines.join('\n') + '\n');
      const f = await LogFile.open(path, { format });
      try {
        assert.equal(f.entryCount, lines.length);
        let i = 0;
        for await (const rec of f.iterateRecords()) {
          assert.equal(rec.index, i);
          wellFormed(rec);
          if (expectBad[i]) assert.notEqual(rec.parseError, null, `line ${i}: ${lines[i]}`);
          if (untouched[i]) assert.equal(rec.parseError, null, `untouched line ${i}`);
          i++;
        }
        assert.equal(i, lines.length);
      } finally {
        await f.close();
      }
    });
  }
});
