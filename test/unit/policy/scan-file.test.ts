import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyVersionInfo } from '../../../src/core/model';
import { NotRegularFileError } from '../../../src/core/formats/regular-file';
import { buildKeyMeta, parsePolicy, scanFile, scanPolicy } from '../../../src/core/policy';
import { useTmpDir } from '../../support/tmp-dir';

const B64 = 'AAAAAAAAAAAAAAAA';
const envLine = (keyId: string, alg = 'AES-256-GCM') =>
  JSON.stringify({ id: 'x', request_data: { version: 1, alg, key_id: keyId, dek_wrapped: B64, nonce: B64, ciphertext: B64 }, response_data: null });
const plain = (i: number) => JSON.stringify({ ts: i, prompt: `q${i}`, response: `a${i}` });

describe('policy scanFile', () => {
  const dir = useTmpDir('policy-scan-file');
  const keys: KeyVersionInfo[] = [
    { sourceRef: 'env:A', version: 'kek-v1', label: 'env:A', kind: 'kek', keyId: 'kek-v1', order: 1, role: 'retired' },
    { sourceRef: 'env:B', version: 'kek-v2', label: 'env:B', kind: 'kek', keyId: 'kek-v2', order: 1, role: 'primary' },
  ];
  const meta = buildKeyMeta(keys);

  it('samples only the head: plaintext after it is found only with deep', async () => {
    const path = join(dir(), 'mixed.log');
    const lines = [...Array.from({ length: 50 }, () => envLine('kek-v2')), plain(50), plain(51)];
    writeFileSync(path, lines.join('\n') + '\n');
    const policy = parsePolicy({ sampleLines: 20 });
    const head = await scanFile(path, { policy, meta, protectedPath: false, deep: false });
    assert.equal(head.complete, false);
    assert.equal(head.lines, 20);
    assert.deepEqual(head.findings, []);
    assert.equal(head.census.size, 0, 'no census from a partial read');
    const deep = await scanFile(path, { policy, meta, protectedPath: false, deep: true });
    assert.equal(deep.complete, true);
    assert.equal(deep.lines, 52);
    assert.equal(deep.findings.length, 1);
    const f = deep.findings[0]!;
    assert.equal(f.rule, 'plaintext-llm-log');
    assert.equal(f.line, 51);
    assert.equal(f.count, 2);
    assert.deepEqual(f.moreLines, [52]);
    assert.deepEqual(deep.census.get('env:B'), { entries: 50, bytes: lines.slice(0, 50).reduce((n, l) => n + l.length + 1, 0) });
  });

  it('aggregates per rule and cause with physical 1-based lines (blank lines and CRLF kept in the count)', async () => {
    const path = join(dir(), 'env.log');
    writeFileSync(path, [envLine('kek-v2'), '', envLine('kek-v1'), envLine('kek-v1', 'AES-128-CBC'), envLine('kek-v1')].join('\r\n') + '\r\n');
    const r = await scanFile(path, { policy: parsePolicy({}), meta, protectedPath: false, deep: false });
    assert.equal(r.complete, true);
    assert.equal(r.kind, 'encrypted-log');
    assert.equal(r.format, 'envelope');
    const byRule = Object.fromEntries(r.findings.map((f) => [f.rule, f]));
    assert.equal(byRule['retired-key-version']!.line, 3);
    assert.equal(byRule['retired-key-version']!.count, 3);
    assert.equal(byRule['cipher-algorithm']!.line, 4);
    assert.equal(byRule['cipher-algorithm']!.count, 1);
    assert.equal(r.census.get('env:A')!.entries, 3);
  });

  it('an unencrypted log inside an encrypted-only path is an error; outside it is fine', async () => {
    const path = join(dir(), 'app.log');
    writeFileSync(path, 'GET / 200\nGET /x 404\n');
    const inside = await scanFile(path, { policy: parsePolicy({}), meta, protectedPath: true, deep: false });
    assert.deepEqual(inside.findings.map((f) => [f.rule, f.severity]), [['unencrypted-log-in-protected-path', 'error']]);
    const outside = await scanFile(path, { policy: parsePolicy({}), meta, protectedPath: false, deep: false });
    assert.deepEqual(outside.findings, []);
  });

  it('skips binary files and empty files', async () => {
    const bin = join(dir(), 'x.log');
    writeFileSync(bin, Buffer.from([1, 2, 0, 3, 10]));
    assert.equal((await scanFile(bin, { policy: parsePolicy({}), meta, protectedPath: true, deep: true })).kind, 'binary');
    const empty = join(dir(), 'e.log');
    writeFileSync(empty, '');
    const r = await scanFile(empty, { policy: parsePolicy({}), meta, protectedPath: true, deep: false });
    assert.equal(r.kind, 'empty');
    assert.deepEqual(r.findings, []);
  });

  it('a deep scan stops on abort', async () => {
    const path = join(dir(), 'big.jsonl');
    writeFileSync(path, Array.from({ length: 20000 }, (_, i) => plain(i)).join('\n') + '\n');
    const ac = new AbortController();
    let calls = 0;
    await assert.rejects(
      scanFile(path, { policy: parsePolicy({}), meta, protectedPath: false, deep: true, signal: ac.signal, onLines: () => (++calls === 1 ? ac.abort() : undefined) }),
      (e: Error) => e.name === 'AbortError',
    );
    assert.equal(calls, 1);
  });

  it('a FIFO, named or found in a directory, is a warning finding, never a hang or a silent skip', async function () {
    this.timeout(10000);
    const sub = join(dir(), 'fifo-dir');
    mkdirSync(sub);
    const fifo = join(sub, 'app.encrypted.log');
    execFileSync('mkfifo', [fifo]); // no writer: a plain open(2) would block for ever
    for (const deep of [false, true]) {
      await assert.rejects(scanFile(fifo, { policy: parsePolicy({}), meta, protectedPath: false, deep }), (e: Error) => e instanceof NotRegularFileError && /FIFO/.test(e.message));
    }
    for (const paths of [[sub], [fifo]]) {
      const report = await scanPolicy({ baseDir: dir(), paths, policy: parsePolicy({}), deep: true });
      const f = report.findings.filter((x) => x.file === fifo);
      assert.deepEqual(f.map((x) => [x.rule, x.severity]), [['scan-incomplete', 'warning']], JSON.stringify(report.findings));
      assert.match(f[0]!.message, /FIFO \(named pipe\), not a regular file/);
    }
  });
});

