import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogFile } from '../../../src/core/formats/log-file';
import { mergeSymbiontUpdates, parseSymbiontEntry, parseSymbiontUpdate, serializeSymbiontEntry, serializeSymbiontUpdate } from '../../../src/core/formats/symbiont';
import type { LogRecord } from '../../../src/core/model';
import { generateSymbiontLog } from '../../fixtures/generate';
import { useTmpDir } from '../../support/tmp-dir';

const ed = (c: string) => ({ ciphertext: c, nonce: 'AAAAAAAAAAAAAAAA', salt: 'AA==', algorithm: 'AES-256-GCM', kdf: 'Argon2' });
const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';
const entry = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, agent_id: 'ag', interaction_type: 'Completion', timestamp: '2025-01-01T00:00:00Z', latency_ms: 0, model_identifier: 'm', request_data: ed('req'), response_data: null, metadata: { k: 'v' }, error: null, token_usage: null, ...extra });
const update = (id: string, c: string, latency: number) =>
  'UPDATE: ' + JSON.stringify({ id, response_data: ed(c), latency_ms: latency, token_usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 }, error: null, updated_at: '2025-01-01T00:00:01Z' });

async function all(f: LogFile): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of f.iterateRecords()) out.push(r);
  return out;
}

describe('Symbiont reader/writer', () => {
  const dir = useTmpDir('symbiont');

  it('parses an entry into fields and plaintext metadata', () => {
    const r = parseSymbiontEntry(entry(ID1, { error: 'boom', extra_field: [1] }), 0, 0);
    assert.equal(r.parseError, null);
    assert.equal(r.id, ID1);
    assert.equal(r.error, 'boom');
    assert.deepEqual(r.metadata, { k: 'v' });
    assert.deepEqual(r.fields, [{ kind: 'symbiont', path: ['request_data'], data: ed('req') }]);
    assert.deepEqual(r.raw?.extra_field, [1]);
  });

  it('merges updates by id, later ones winning, keys keeping entry order', () => {
    const r = parseSymbiontEntry(entry(ID1), 0, 0);
    const u1 = parseSymbiontUpdate(update(ID1, 'r1', 5), 1);
    const u2 = parseSymbiontUpdate(update(ID1, 'r2', 9), 3);
    const other = parseSymbiontUpdate(update(ID2, 'x', 1), 2);
    assert.ok(u1.ok && u2.ok && other.ok);
    const m = mergeSymbiontUpdates(r, [u1.update, other.update, u2.update]);
    assert.equal(m.latencyMs, 9);
    assert.deepEqual(m.updateLines, [1, 3]);
    assert.deepEqual(m.fields.map((f) => f.path[0]), ['request_data', 'response_data']);
    assert.deepEqual(Object.keys(m.raw!), ['id', 'agent_id', 'interaction_type', 'timestamp', 'latency_ms', 'model_identifier', 'request_data', 'response_data', 'metadata', 'error', 'token_usage', 'updated_at']);
  });

  it('round-trips entry and UPDATE lines byte for byte', async () => {
    const fx = await generateSymbiontLog(dir(), { entries: 6, orphanUpdate: true });
    for (const [i, line] of readFileSync(fx.path, 'utf8').split('\n').filter(Boolean).entries()) {
      if (line.startsWith('UPDATE: ')) {
        const u = parseSymbiontUpdate(line, i);
        assert.ok(u.ok);
        assert.equal(serializeSymbiontUpdate(u.update.value), line);
      } else {
        assert.equal(serializeSymbiontEntry(parseSymbiontEntry(line, 0, i).raw!), line);
      }
    }
  });

  it('merges UPDATE lines through LogFile, including out-of-order and orphans', async () => {
    const fx = await generateSymbiontLog(dir(), { entries: 9, orphanUpdate: true, updateBeforeEntry: true, pendingLast: true, fileName: 'o.log' });
    const f = await LogFile.open(fx.path);
    try {
      assert.equal(f.format, 'symbiont');
      assert.equal(f.entryCount, 9);
      const recs = await all(f);
      recs.forEach((r, i) => {
        assert.equal(r.parseError, null);
        assert.equal(r.id, fx.entries[i]!.id);
        const hasResponse = fx.entries[i]!.response !== null;
        assert.equal(r.fields.length, hasResponse ? 2 : 1, `entry ${i}`);
        assert.equal(r.updateLines.length, i === 8 ? 0 : 1, `entry ${i}`);
        assert.equal(r.error, fx.entries[i]!.error);
      });
      assert.ok(recs[1]!.updateLines[0]! < recs[1]!.line, 'update before its entry still merges');
      assert.deepEqual(f.orphanUpdates?.map((o) => o.id), fx.orphanIds);
      assert.deepEqual(await f.readRecords(2, 3), recs.slice(2, 5));
    } finally {
      await f.close();
    }
  });

  it('does not merge a colliding or garbled UPDATE, and reports it as an orphan', async () => {
    const p = join(dir(), 'collide.log');
    // An UPDATE whose id is unreadable at the fixed place is a candidate for every entry; parsing rejects it.
    writeFileSync(p, [entry(ID1), 'UPDATE: {"id":', 'UPDATE: {"latency_ms":4,"id":"' + ID2 + '"}', update(ID1, 'r', 3), ''].join('\n'));
    const f = await LogFile.open(p);
    try {
      const [r] = await all(f);
      assert.deepEqual(r!.updateLines, [3]);
      assert.equal(r!.latencyMs, 3);
      assert.deepEqual(f.orphanUpdates?.map((o) => [o.line, o.id, o.error !== null]), [
        [1, null, true],
        [2, ID2, false],
      ]);
    } finally {
      await f.close();
    }
  });

  it('sees a late UPDATE after extend()', async () => {
    const p = join(dir(), 'live.log');
    writeFileSync(p, entry(ID1) + '\n');
    const f = await LogFile.open(p);
    try {
      assert.equal((await f.readRecords(0, 1))[0]!.fields.length, 1);
      appendFileSync(p, update(ID1, 'late', 42) + '\n');
      assert.deepEqual(await f.extend(), { status: 'grown', newLines: 1, newEntries: 0, newUpdates: 1 });
      const [r] = await f.readRecords(0, 1);
      assert.equal(r!.latencyMs, 42);
      assert.equal(r!.fields.length, 2);
    } finally {
      await f.close();
    }
  });

  it('turns malformed encrypted data into a per-entry parse error', () => {
    const bad = parseSymbiontEntry(entry(ID1, { request_data: { ciphertext: 1 } }), 3, 7);
    assert.match(bad.parseError!, /request_data: ciphertext, nonce, salt, algorithm, kdf missing or not a string/);
    assert.deepEqual(bad.fields, []);
    assert.equal(bad.id, ID1);
    assert.match(parseSymbiontEntry(update(ID1, 'x', 1), 0, 0).parseError!, /UPDATE/);
    const m = mergeSymbiontUpdates(parseSymbiontEntry(entry(ID1), 0, 0), [{ id: ID1, line: 1, value: { id: ID1, response_data: 'nope' } }]);
    assert.match(m.parseError!, /response_data is not an object/);
  });
});
