import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogFile, UnknownFormatError } from '../../../src/core/formats/log-file';
import { idHash } from '../../../src/core/formats/update-ids';
import type { LogRecord } from '../../../src/core/model';
import { generateEnvelopeLog } from '../../fixtures/generate';
import { useTmpDir } from '../../support/tmp-dir';

async function collect(f: LogFile, signal?: AbortSignal): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of f.iterateRecords(signal)) out.push(r);
  return out;
}

describe('LogFile', () => {
  const dir = useTmpDir('logfile');

  it('pages agree with the streaming pass; raw entry bytes equal the file lines', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 60, bad: true });
    const f = await LogFile.open(fx.path);
    try {
      assert.equal(f.format, 'envelope');
      const all = await collect(f);
      assert.equal(all.length, 60);
      const paged: LogRecord[] = [];
      for (let i = 0; i < 60; i += 7) paged.push(...(await f.readRecords(i, 7)));
      assert.deepEqual(paged, all);
      assert.deepEqual(await f.readRecords(58, 100), all.slice(58));
      assert.deepEqual(await f.readRecords(60, 5), []);
      const fileLines = readFileSync(fx.path, 'utf8').split('\n');
      for (const i of [0, 20, 59]) assert.equal((await f.readEntryLine(i)).toString('utf8'), fileLines[i]);
      assert.equal(all.filter((r) => r.parseError !== null).length, 1);
    } finally {
      await f.close();
    }
  });

  it('reads CRLF files and skips blank lines while keeping physical line numbers', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 4, fileName: 'crlf-src.log' });
    const lines = readFileSync(fx.path, 'utf8').split('\n').filter(Boolean);
    const p = join(dir(), 'crlf.log');
    writeFileSync(p, '\r\n' + lines.join('\r\n\r\n') + '\r\n');
    const f = await LogFile.open(p);
    try {
      const recs = await collect(f);
      assert.deepEqual(recs.map((r) => [r.index, r.line, r.parseError]), [[0, 1, null], [1, 3, null], [2, 5, null], [3, 7, null]]);
      assert.equal((await f.readEntryLine(1)).toString(), lines[1]);
    } finally {
      await f.close();
    }
  });

  it('follows a growing file and asks for a rebuild when it shrinks', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 10, fileName: 'tail.log' });
    const lines = readFileSync(fx.path, 'utf8').split('\n').filter(Boolean);
    const p = join(dir(), 'tail-copy.log');
    writeFileSync(p, lines.slice(0, 5).join('\n') + '\n' + lines[5]!.slice(0, 30));
    const f = await LogFile.open(p);
    try {
      assert.equal(f.entryCount, 5);
      appendFileSync(p, lines[5]!.slice(30) + '\n' + lines.slice(6).join('\n') + '\n');
      assert.deepEqual(await f.extend(), { status: 'grown', newLines: 5, newEntries: 5, newUpdates: 0 });
      const recs = await f.readRecords(0, 10);
      assert.deepEqual(recs.map((r) => r.id), fx.entries.map((e) => e.id));
      assert.ok(recs.every((r) => r.parseError === null));
      truncateSync(p, 100);
      assert.equal((await f.extend()).status, 'rebuild');
    } finally {
      await f.close();
    }
  });

  it('stops a pass when its signal aborts', async () => {
    const fx = await generateEnvelopeLog(dir(), { entries: 5, fileName: 'abort.log' });
    const f = await LogFile.open(fx.path);
    try {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(collect(f, ac.signal), { name: 'AbortError' });
      await assert.rejects(f.readRecords(0, 1, ac.signal), { name: 'AbortError' });
    } finally {
      await f.close();
    }
  });

  it('refuses unknown content with the reason, or reads it as a forced format', async () => {
    const p = join(dir(), 'junk.log');
    writeFileSync(p, '{"msg":"hello"}\nnot json\n');
    await assert.rejects(LogFile.open(p), (e: unknown) => e instanceof UnknownFormatError && /no encrypted values/.test(e.reason));
    const f = await LogFile.open(p, { format: 'transit-jsonl' });
    try {
      const recs = await collect(f);
      assert.deepEqual(recs.map((r) => r.parseError === null), [true, false]);
    } finally {
      await f.close();
    }
  });

  it('never merges an UPDATE whose id merely collides with the entry id hash', async () => {
    // Found by a birthday search over `c-<n>`: FNV-1a 32 maps both to the same hash.
    const pair = ['c-308475', 'c-1293310'] as const;
    assert.equal(idHash(pair[0]), idHash(pair[1]));
    const [a, b] = pair;
    const ed = { ciphertext: 'AA==', nonce: 'AAAAAAAAAAAAAAAA', salt: 'AA==', algorithm: 'AES-256-GCM', kdf: 'Argon2' };
    const p = join(dir(), 'collide.log');
    writeFileSync(p, [JSON.stringify({ id: a, request_data: ed, response_data: null, latency_ms: 0 }), 'UPDATE: ' + JSON.stringify({ id: b, response_data: ed, latency_ms: 99 }), ''].join('\n'));
    const f = await LogFile.open(p);
    try {
      assert.equal(f.index.updates.candidateLines(idHash(a)).length, 1, 'the hashes do collide');
      const [r] = await collect(f);
      assert.equal(r!.latencyMs, 0);
      assert.deepEqual(r!.updateLines, []);
      assert.deepEqual(f.orphanUpdates?.map((o) => o.id), [b]);
    } finally {
      await f.close();
    }
  });
});
