import assert from 'node:assert/strict';
import { defaultMaskOptions } from '../../../src/core/masking';
import { CompiledFilter, findFailure, orderedEntries, scanFilter, sessionSource, ViewOrder, type LogView } from '../../../src/core/view';
import { writeTestLog, type TestLog } from './fixture';

const EMAIL = 'alice.jones@example.com';

describe('LogView and LogQuery over a real envelope log', () => {
  let log: TestLog;
  let view: LogView;
  const changes: string[] = [];
  before(async () => {
    log = await writeTestLog([
      { request: { prompt: `mail ${EMAIL} about the quarterly report` }, metadata: { session: 's-1' } },
      { request: { prompt: 'second' }, latency: 900, tokens: [300, 20] },
      { request: { prompt: 'third quarterly' }, keyId: 'kek-v9' },
      { corrupt: true },
      { request: { prompt: 'fifth' }, error: 'upstream timeout', response: null },
      { request: { prompt: 'sixth quarterly' }, time: null, latency: null, tokens: null },
    ]);
    view = await log.open((r) => changes.push(r));
  });
  after(() => log.cleanup());

  it('reads each page of records once: records the caller read are decrypted as they are', async () => {
    const session = view.session;
    const reads: [number, number][] = [];
    const orig = session.readRecords.bind(session);
    session.readRecords = (from, count) => {
      reads.push([from, count]);
      return orig(from, count);
    };
    try {
      const recs = await view.recordsAt([0, 1, 2]);
      assert.deepEqual(reads, [[0, 3]]);
      const got = await view.decrypt([0, 1, 2], { records: recs });
      assert.deepEqual(reads, [[0, 3]], 'no second read of the same records');
      assert.deepEqual(got.map((e) => e.status), ['ok', 'ok', 'error']);
    } finally {
      session.readRecords = orig;
    }
    assert.ok(view.isKnown(0) && !view.isFailure(0));
    assert.ok(view.isFailure(2));
    assert.equal(view.failures.get(2)?.reason, 'no-key');
    assert.equal(view.keyOf(0), log.keyRef);
    assert.ok(view.cached(1));
    assert.ok(changes.includes('decrypted'));
  });

  it('entries(): cached ones from the page cache, the rest decrypted', async () => {
    const got = await view.entries([1, 4]);
    assert.equal(got.get(1)?.status, 'ok');
    assert.equal(got.get(4)?.status, 'ok');
    assert.equal(await view.entry(99), undefined);
  });

  it('one background scan fills the sort columns, facets and histogram; corrupt lines are failures', async () => {
    const cols = await view.whenScanned();
    assert.ok(cols);
    assert.equal(cols.latency[1], 900);
    assert.equal(cols.tokens[1], 320);
    assert.ok(Number.isNaN(cols.time[5]!) && Number.isNaN(cols.latency[5]!) && Number.isNaN(cols.tokens[5]!));
    assert.deepEqual(view.facets.agents, ['agent-1']);
    assert.ok(view.isFailure(3));
    const h = view.histogram();
    assert.equal(h.reduce((n, b) => n + b.count, 0), 4, 'the corrupt line and the entry without a time are not in the histogram');
    assert.equal(h.reduce((n, b) => n + b.failures, 0), 1, 'entry 2 (no key) is a failure bar');
    assert.ok(changes.includes('histogram'));
  });

  it('census and counts', async () => {
    assert.equal(view.counts().partial, true);
    await view.runCensus();
    const c = view.counts();
    assert.equal(c.partial, false);
    assert.equal(c.counts.get(log.keyRef), 4);
    assert.deepEqual(view.keyLabelsSeen(), [log.keyRef, 'unknown']);
  });

  it('search runs over the masked rendering: a masked e-mail cannot be probed, its marker can', async () => {
    const ctl = new AbortController();
    const search = (text: string) => scanFilter(view, new CompiledFilter({ text }, defaultMaskOptions()), ctl.signal);
    assert.deepEqual(await search('quarterly'), [0, 5]);
    assert.deepEqual(await search('alice.jones'), []);
    assert.deepEqual(await search('[EMAIL]'), [0]);
    assert.deepEqual(await scanFilter(view, new CompiledFilter({ status: 'error' }, defaultMaskOptions()), ctl.signal), [2, 3, 4]);
    const progress: number[] = [];
    await scanFilter(view, new CompiledFilter({ agent: 'agent' }, defaultMaskOptions()), ctl.signal, (p) => progress.push(p.matches));
    assert.deepEqual(progress, [5], 'the corrupt line has no agent');
    ctl.abort();
    assert.deepEqual(await search('quarterly'), [], 'aborted: stops at once');
  });

  it('finds failures in view order, both ways, in a sorted view too', async () => {
    const signal = new AbortController().signal;
    const all = ViewOrder.all(view.entryCount);
    assert.equal((await findFailure(view, all, 0, 1, signal)).index, 2);
    assert.equal((await findFailure(view, all, 2, 1, signal)).index, 3);
    assert.equal((await findFailure(view, all, 2, -1, signal)).index, null);
    const byLatency = ViewOrder.sorted(all, view.columns!, { column: 'latency', descending: true });
    const hit = await findFailure(view, byLatency, 1, 1, signal);
    assert.equal(hit.index, 4, 'after entry 1 (latency 900) comes entry 4 (104 ms) in this order');
    assert.equal(hit.pos, byLatency.posOf(4));
  });

  it('one export iterator for the viewer (page cache) and the CLI (bare session), same entries in view order', async () => {
    const order = ViewOrder.of([5, 1, 0].sort((a, b) => a - b), view.entryCount);
    const fromView: number[] = [];
    for await (const e of orderedEntries(view, order, 2)) fromView.push(e.index);
    const fromSession: string[] = [];
    for await (const e of orderedEntries(sessionSource(view.session), ViewOrder.all(view.entryCount), 4)) fromSession.push(`${e.index}:${e.status}`);
    assert.deepEqual(fromView, [0, 1, 5]);
    assert.deepEqual(fromSession, ['0:ok', '1:ok', '2:error', '3:error', '4:ok', '5:ok']);
    const ctl = new AbortController();
    const got: number[] = [];
    for await (const e of orderedEntries(view, ViewOrder.all(view.entryCount), 2, ctl.signal)) {
      got.push(e.index);
      ctl.abort();
    }
    assert.deepEqual(got, [0, 1], 'stops between batches once aborted');
  });
});

describe('LogView: one decryption per entry however many ask at once', () => {
  it('a detail asked while the row page decrypts the same entry waits for it instead of decrypting it again', async () => {
    const log = await writeTestLog(Array.from({ length: 7 }, () => ({})));
    try {
      const view = await log.open();
      const session = view.session;
      const opened: number[] = [];
      const orig = session.decryptRecords.bind(session);
      session.decryptRecords = async (records, signal) => {
        opened.push(...records.map((r) => r.index));
        await new Promise((r) => setTimeout(r, 30));
        return orig(records, signal);
      };
      const recs = await view.recordsAt([0, 1, 2, 3, 4, 5]);
      const updates: number[] = [];
      const page = view.decrypt([0, 1, 2, 3, 4, 5], { records: recs });
      const detail = view.decrypt([0], { force: true, onChunk: (es) => updates.push(...es.map((e) => e.index)) });
      const [p, d] = await Promise.all([page, detail]);
      assert.deepEqual(opened, [0, 1, 2, 3, 4, 5], 'each entry decrypted once');
      assert.deepEqual(p.map((e) => e.index), [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(d.map((e) => e.index), [0]);
      assert.deepEqual(updates, [0], 'the waiting caller hears about it too');
      // a cancelled run leaves nothing waiting: the other caller decrypts it itself
      const ctl = new AbortController();
      opened.length = 0;
      const cancelled = view.decrypt([6], { signal: ctl.signal });
      const other = view.entries([6]);
      ctl.abort();
      assert.deepEqual(await cancelled, []);
      assert.equal((await other).get(6)?.status, 'ok');
      assert.deepEqual(opened, [6, 6], 'decrypted again after the cancelled run');
    } finally {
      await log.cleanup();
    }
  });
});
