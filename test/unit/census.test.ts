import assert from 'node:assert/strict';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { censusLog, UNKNOWN_KEY } from '../../src/core/census';
import { createEngine, type Engine } from '../../src/core/engine';
import type { FieldOpener } from '../../src/core/keys/types';
import type { EncryptedField, KeyVersionInfo } from '../../src/core/model';
import { censusFile } from '../../src/core/rotation/census';
import { generateEnvelopeLog, generateTransitJsonl, type EnvelopeFixture } from '../fixtures/generate';
import { createLocalTransit } from '../fixtures/local-transit';
import { useTmpDir } from '../support/tmp-dir';

/** The engine's resolver, counting the values it is asked to open. */
function counting(engine: Engine): FieldOpener & { opened: EncryptedField[] } {
  const opened: EncryptedField[] = [];
  return {
    opened,
    openFields: (fields, signal, entries) => {
      opened.push(...fields);
      return engine.resolver.openFields(fields, signal, entries);
    },
  };
}

describe('the one census (src/core/census.ts)', () => {
  const dir = useTmpDir('census');
  let log: EnvelopeFixture;
  let engine: Engine;
  let labelOf: Map<string, string>;
  const N = 30;

  before(async () => {
    log = await generateEnvelopeLog(dir(), { entries: N, bad: true, fileName: 'bad.encrypted.log' });
    const refs = log.keySpecs.map((spec, i) => {
      const p = join(dir(), `k${i}.key`);
      writeFileSync(p, spec);
      chmodSync(p, 0o600);
      return `file:${p}`;
    });
    engine = createEngine({ keyRefs: refs, retired: new Set(), poolSize: 1 });
    labelOf = new Map((await engine.resolver.versions()).keys.map((k) => [k.keyId!, k.label]));
  });
  after(() => engine.dispose());

  const expectedByKey = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (const e of log.entries) {
      const label = e.status === 'ok' ? labelOf.get(e.key)! : UNKNOWN_KEY;
      m.set(label, (m.get(label) ?? 0) + 1);
    }
    return m;
  };
  const badEntries = () => log.entries.filter((e) => e.status !== 'ok').map((e) => e.index);

  it("depth 'entries' opens each entry's first value only and names every entry's key; bad entries are failures with their entry and line", async () => {
    const opener = counting(engine);
    const { format, tally } = await censusLog(log.path, opener, { depth: 'entries' });
    assert.equal(format, 'envelope');
    assert.equal(tally.entries, N);
    assert.deepEqual(new Map([...tally.counts('entries')].sort()), new Map([...expectedByKey()].sort()));
    assert.equal(opener.opened.length, N - 1, 'one value per entry (the truncated line has none)');
    assert.ok(opener.opened.every((f) => f.path[0] === 'request_data'));
    assert.deepEqual(tally.failures.map((f) => f.entry), badEntries());
    assert.deepEqual(tally.failures.map((f) => f.line), badEntries(), 'one line per entry');
    assert.equal(tally.values, 0);
  });

  it("depth 'values' opens every value; rotation's census is that depth", async () => {
    const opener = counting(engine);
    const { tally } = await censusLog(log.path, opener, { depth: 'values' });
    const values = log.entries.filter((e) => e.status !== 'corrupt').reduce((n, e) => n + (e.response === null ? 1 : 2), 0);
    assert.equal(opener.opened.length, values);
    assert.equal(tally.values, values);
    const fc = await censusFile(log.path, { resolver: engine.resolver } as never);
    assert.equal(fc.error, null);
    assert.equal(fc.fields, values);
    assert.equal(fc.entries, N);
    assert.deepEqual(fc.entriesByKey, Object.fromEntries(tally.counts('entries')));
    assert.deepEqual(fc.fieldsByKey, Object.fromEntries(tally.counts('values')));
  });

  it("the viewer's survey is the census at depth 'entries', read through the session's own descriptor", async () => {
    const copy = join(dir(), 'survey.encrypted.log');
    writeFileSync(copy, readFileSync(log.path));
    const session = await engine.open(copy);
    try {
      // The path now names another file (logrotate): the survey still counts the file the session shows.
      const other = await generateEnvelopeLog(dir(), { entries: 3, fileName: 'other.encrypted.log' });
      renameSync(other.path, copy);
      const s = await session.survey();
      assert.equal(s.entries, N);
      assert.equal(s.entries, session.entryCount());
      assert.deepEqual(new Map([...s.byKey].sort()), new Map([...expectedByKey()].sort()));
      assert.deepEqual(s.failures.map((f) => f.index), badEntries());
      const times = readFileSync(log.path, 'utf8').split('\n').filter(Boolean).map((l) => /"timestamp":"([^"]+)"/.exec(l)?.[1]).filter((t): t is string => !!t).sort((a, b) => Date.parse(a) - Date.parse(b));
      assert.equal(s.firstTime, times[0]);
      assert.equal(s.lastTime, times[times.length - 1]);
    } finally {
      await session.close();
    }
  });

  it('a value not written as compact JSON opens in the survey but is a failure at the rewrite depth (the rewrite must leave it)', async () => {
    const good = readFileSync(log.path, 'utf8').split('\n')[0]!;
    const spaced = good.replace(/"request_data":\{"version":/, '"request_data":{ "version":');
    assert.notEqual(spaced, good);
    const p = join(dir(), 'spaced.encrypted.log');
    writeFileSync(p, spaced + '\n');
    const entries = await censusLog(p, engine.resolver, { depth: 'entries', format: 'envelope' });
    assert.deepEqual([...entries.tally.counts('entries').keys()], [labelOf.get(log.entries[0]!.key)]);
    assert.equal(entries.tally.failureCount, 0);
    const values = await censusLog(p, engine.resolver, { depth: 'values', format: 'envelope' });
    assert.deepEqual([...values.tally.counts('entries').keys()], [UNKNOWN_KEY]);
    assert.match(values.tally.failures[0]!.message, /not written as compact JSON/);
  });

  it('keeps failures in detail up to the cap and counts all of them', async () => {
    const { tally } = await censusLog(log.path, engine.resolver, { depth: 'entries', maxFailures: 1 });
    assert.equal(tally.failures.length, 1);
    assert.equal(tally.failureCount, badEntries().length);
  });

  it('stops when aborted', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(censusLog(log.path, engine.resolver, { signal: ctl.signal }), { name: 'AbortError' });
  });

  it('a transit JSON line without a vault value is an entry on no key, not a failure; a transit value names its version', async () => {
    const transit = createLocalTransit(3, 2);
    const fx = await generateTransitJsonl(dir(), { entries: 24, encrypt: (pt, i) => transit.encrypt(pt, i < 12 ? 1 : 2), fileName: 'app.jsonl' });
    const withValues = fx.entries.filter((e) => Object.keys(e.fields).length > 0).length;
    assert.ok(withValues < 24, 'the fixture has heartbeat lines');
    // The transit engine is the fixture's local stand-in: the census is what is under test.
    const info = (v: number) => ({ label: `transit@v${v}` }) as KeyVersionInfo;
    const opener: FieldOpener = {
      openFields: async (fields) =>
        fields.map((f) => {
          const ct = f.kind === 'transit' ? f.ciphertext : '';
          return { ok: true as const, plaintext: transit.decrypt(ct), key: info(Number(/^vault:v(\d+):/.exec(ct)![1])) };
        }),
    };
    const { format, tally } = await censusLog(fx.path, opener, { depth: 'entries' });
    assert.equal(format, 'transit-jsonl');
    assert.equal(tally.entries, 24);
    assert.equal(tally.failureCount, 0);
    const counts = tally.counts('entries');
    assert.equal(counts.get(UNKNOWN_KEY), undefined);
    assert.equal([...counts.values()].reduce((a, b) => a + b, 0), withValues, 'every line with a value is on its version');
    assert.ok((counts.get('transit@v1') ?? 0) > 0 && (counts.get('transit@v2') ?? 0) > 0);
  });
});

