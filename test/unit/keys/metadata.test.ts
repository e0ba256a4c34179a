import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySources } from '../../../src/core/keys/sources';
import { KeyResolver } from '../../../src/core/keys/resolver';
import { KeySourceError, type AuditEvent, type KeySource } from '../../../src/core/keys/types';
import { overdueKeys, parsePolicy } from '../../../src/core/policy';
import { FakeSource, spyDeriver } from './fakes';

const DAY = 86_400_000;

/** Every path fs.promises opened for reading while `run` ran (readFile, open). */
async function pathsRead(run: () => Promise<unknown>): Promise<string[]> {
  const p = fs.promises as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = { readFile: p.readFile, open: p.open };
  const seen: string[] = [];
  p.readFile = (...a: unknown[]) => (seen.push(String(a[0])), orig.readFile!(...a));
  p.open = (...a: unknown[]) => (seen.push(String(a[0])), orig.open!(...a));
  try {
    await run();
  } finally {
    Object.assign(p, orig);
  }
  return seen;
}

describe('keys: metadata-only listing (no key material)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclog-meta-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('file: the age comes from stat; the content is never opened, even when the file is unusable (mode 0644, 0000)', async () => {
    const kek = randomBytes(32).toString('base64');
    const loose = join(dir, 'loose-kek.key');
    const closed = join(dir, 'closed-kek.key');
    writeFileSync(loose, `kek-v1:${kek}\n`, { mode: 0o644 });
    writeFileSync(closed, `kek-v2:${kek}\n`, { mode: 0o000 });
    const old = new Date(Date.now() - 200 * DAY);
    utimesSync(loose, old, old);
    const sources = createKeySources([`file:${loose}`, `file:${closed}`]);
    let listed: Awaited<ReturnType<KeySource['metadata']>>[] = [];
    const read = await pathsRead(async () => {
      listed = await Promise.all(sources.map((s) => s.metadata()));
    });
    assert.deepEqual(read, [], 'no key file was opened');
    const [a, b] = listed.map((m) => m.versions[0]!);
    assert.deepEqual(
      { ...a },
      { sourceRef: `file:${loose}`, version: 'current', label: `file:${loose}`, order: 1, role: 'primary', modifiedTime: old.toISOString() },
      'label and role as the full listing gives them; no kind, no key id (they are in the content)',
    );
    assert.equal(b!.label, `file:${closed}`);
    assert.ok(listed.every((m) => !m.readSecrets));
    await assert.rejects(sources[0]!.load(), /refusing key file .*mode 0644/, 'the loose file itself cannot be used');
    const loadedPaths = await pathsRead(() => sources[1]!.load().catch(() => undefined));
    assert.deepEqual(loadedPaths, [closed], 'the spy sees a real read (load opens the file)');

    const findings = overdueKeys([a!, b!], parsePolicy({ rotationIntervalDays: 90 }), new Date());
    assert.equal(findings.length, 1);
    assert.match(findings[0]!.message, /loose-kek\.key is 200 days old \(key file last modified /);
  });

  it('file: missing, a directory: the same errors as loading', async () => {
    mkdirSync(join(dir, 'a-dir'));
    const [missing, isDir] = createKeySources([`file:${join(dir, 'none.key')}`, `file:${join(dir, 'a-dir')}`]);
    await assert.rejects(missing!.metadata(), (e: unknown) => e instanceof KeySourceError && e.code === 'not-found');
    await assert.rejects(isDir!.metadata(), (e: unknown) => e instanceof KeySourceError && e.code === 'invalid' && /not a regular file/.test(e.message));
  });

  it('env: presence only; *_PREVIOUS is decrypt-only; labels and roles match the full listing; unset/empty are errors', async () => {
    const kek = randomBytes(32).toString('base64');
    const env = { SECRETS_ENCRYPTION_KEY: `kek-v2:${kek}`, SECRETS_ENCRYPTION_KEY_PREVIOUS: `kek-v1:${kek}`, EMPTY: '' };
    const [cur, prev, unset, empty] = createKeySources(['env:SECRETS_ENCRYPTION_KEY', 'env:SECRETS_ENCRYPTION_KEY_PREVIOUS', 'env:UNSET', 'env:EMPTY'], {}, { env });
    for (const s of [cur!, prev!]) {
      const meta = (await s.metadata()).versions;
      const full = await s.list();
      assert.deepEqual(
        meta.map((m) => [m.label, m.role, m.kind, m.keyId]),
        full.map((f) => [f.label, f.role, undefined, undefined]),
      );
    }
    assert.equal((await prev!.metadata()).versions[0]!.role, 'decrypt-only');
    await assert.rejects(unset!.metadata(), (e: unknown) => e instanceof KeySourceError && e.code === 'not-found');
    await assert.rejects(empty!.metadata(), (e: unknown) => e instanceof KeySourceError && e.code === 'invalid');
  });

  it('retired labels (rotation state) are retired in the metadata too', async () => {
    const p = join(dir, 'retired.key');
    writeFileSync(p, 'symbiont-key', { mode: 0o600 });
    const [s] = createKeySources([`file:${p}`], {}, { retired: new Set([`file:${p}`]) });
    assert.equal((await s!.metadata()).versions[0]!.role, 'retired');
  });

  it('resolver: metadata of every source, failures as errors, a source that had to read its values audited as a key access', async () => {
    const events: AuditEvent[] = [];
    class ReadingSource extends FakeSource {
      override async metadata() {
        return { ...(await super.metadata()), readSecrets: true };
      }
    }
    const ok = new FakeSource('env:A', [{ version: 'current', kind: 'symbiont', material: Buffer.from('a') }]);
    const reads = new ReadingSource('keychain:svc', [{ version: 'acct', kind: 'kek', keyId: 'kek-v1', material: randomBytes(32) }]);
    const broken = new FakeSource('env:B', [], new KeySourceError('env:B', 'environment variable B is not set', 'not-found'));
    const r = new KeyResolver([ok, reads, broken], { deriver: spyDeriver(), audit: (e) => events.push(e) });
    const { keys, errors } = await r.metadata();
    assert.deepEqual(keys.map((k) => k.label), ['env:A@current', 'keychain:svc@acct']);
    assert.deepEqual(errors.map((e) => e.ref), ['env:B']);
    assert.equal(ok.loads + reads.loads, 0, 'nothing loaded');
    assert.deepEqual(
      events.map((e) => [e.action, e.source]),
      [
        ['key-access', 'keychain:svc'],
        ['key-source-error', 'env:B'],
      ],
    );
    assert.match(events[0]!.detail!, /cannot list without reading/);
  });
});
