import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvKeySource } from '../../../src/core/keys/env-source';
import { FileKeySource } from '../../../src/core/keys/file-source';
import { buildLineages, lineageOf, parseLineageOverrides, type KeyLineage } from '../../../src/core/keys/lineage';
import { buildVersionInfos } from '../../../src/core/keys/versions';
import type { KeyVersionInfo } from '../../../src/core/model';

const kek = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;
const symbiontKey = (): string => randomBytes(32).toString('base64');

/** name -> [version, role] newest first, the shape an operator reads. */
function summary(lineages: KeyLineage[]): Record<string, Array<[string, string]>> {
  const out: Record<string, Array<[string, string]>> = {};
  for (const l of lineages) out[l.name] = [...l.versions].reverse().map((v) => [v.version, v.role]);
  return out;
}

describe('key lineage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclog-lineage-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function keyFile(name: string, value: string): FileKeySource {
    const p = join(dir, name);
    writeFileSync(p, value + '\n');
    chmodSync(p, 0o600);
    return new FileKeySource(p);
  }

  async function listAll(sources: Array<{ list(): Promise<KeyVersionInfo[]> }>): Promise<KeyVersionInfo[]> {
    return (await Promise.all(sources.map((s) => s.list()))).flat();
  }

  it('joins one file per version (the demo workspace): two lineages, two versions, one primary each', async () => {
    const versions = await listAll([
      keyFile('symbiont-2024.key', symbiontKey()),
      keyFile('symbiont-2025.key', symbiontKey()),
      keyFile('kek-v1.key', kek('kek-v1')),
      keyFile('kek-v2.key', kek('kek-v2')),
    ]);
    // Each source on its own says "primary": that is what the view showed before lineages.
    assert.deepEqual(versions.map((v) => v.role), ['primary', 'primary', 'primary', 'primary']);
    const { lineages, warnings } = buildLineages(versions);
    assert.deepEqual(warnings, []);
    assert.deepEqual(summary(lineages), {
      kek: [['v2', 'primary'], ['v1', 'decrypt-only']],
      symbiont: [['2025', 'primary'], ['2024', 'decrypt-only']],
    });
    const k = lineages.find((l) => l.name === 'kek');
    assert.equal(k?.rule, 'key-id');
    assert.equal(k?.primary, `file:${join(dir, 'kek-v2.key')}`);
    assert.ok(lineages.every((l) => l.warnings.length === 0));
  });

  it('joins KEK ids of one family across unrelated source names and orders them by vN, not by listing order', async () => {
    const versions = await listAll([
      keyFile('newest.key', kek('payments-v10')),
      keyFile('older.key', kek('payments-v9')),
      new EnvKeySource('LEGACY', { env: { LEGACY: kek('payments-v2') } }),
      keyFile('other.key', kek('audit-v1')),
    ]);
    const { lineages } = buildLineages(versions);
    assert.deepEqual(summary(lineages), {
      audit: [['v1', 'primary']],
      payments: [['v10', 'primary'], ['v9', 'decrypt-only'], ['v2', 'decrypt-only']],
    });
  });

  it('pairs Everruns SECRETS_ENCRYPTION_KEY with SECRETS_ENCRYPTION_KEY_PREVIOUS (the previous is never primary)', async () => {
    const env = { SECRETS_ENCRYPTION_KEY: kek('main'), SECRETS_ENCRYPTION_KEY_PREVIOUS: kek('legacy') };
    const versions = await listAll([new EnvKeySource('SECRETS_ENCRYPTION_KEY_PREVIOUS', { env }), new EnvKeySource('SECRETS_ENCRYPTION_KEY', { env })]);
    const { lineages } = buildLineages(versions);
    assert.equal(lineages.length, 1);
    assert.equal(lineages[0].name, 'SECRETS_ENCRYPTION_KEY');
    assert.equal(lineages[0].rule, 'name');
    assert.deepEqual(lineages[0].versions.map((v) => [v.info.sourceRef, v.role]), [
      ['env:SECRETS_ENCRYPTION_KEY_PREVIOUS', 'decrypt-only'],
      ['env:SECRETS_ENCRYPTION_KEY', 'primary'],
    ]);
    assert.deepEqual(lineages[0].warnings, []);
  });

  it('keeps the versions of a keychain service and of Vault KV together, oldest first, retired ones retired', () => {
    const keychain = buildVersionInfos(
      'keychain:enclog-kek',
      [
        { version: 'kek-v1', kind: 'kek', keyId: 'kek-v1', order: 1, createdTime: '2025-01-01T00:00:00Z' },
        { version: 'kek-v2', kind: 'kek', keyId: 'kek-v2', order: 2, createdTime: '2025-06-01T00:00:00Z' },
        { version: 'kek-v3', kind: 'kek', keyId: 'kek-v3', order: 3, createdTime: '2025-09-01T00:00:00Z' },
      ],
      { multiVersion: true, retired: new Set(['keychain:enclog-kek@kek-v1']) },
    );
    const kv = buildVersionInfos(
      'vault-kv:secret/sym',
      [
        { version: 'v1', kind: 'symbiont', order: 1 },
        { version: 'v2', kind: 'symbiont', order: 2 },
        { version: 'v3', kind: 'symbiont', order: 3, unusable: 'destroyed' },
      ],
      { multiVersion: true },
    );
    const { lineages } = buildLineages([...kv, ...keychain]);
    assert.deepEqual(summary(lineages), {
      kek: [['v3', 'primary'], ['v2', 'decrypt-only'], ['v1', 'retired']],
      'vault-kv:secret/sym': [['v3', 'retired'], ['v2', 'primary'], ['v1', 'decrypt-only']],
    });
    assert.equal(lineageOf(lineages, 'vault-kv:secret/sym@v2')?.primary, 'vault-kv:secret/sym@v2');
  });

  it('warns when two versions claim to be primary and nothing says which is newer', async () => {
    const versions = await listAll([keyFile('signing-main.key', symbiontKey()), new EnvKeySource('SIGNING_MAIN', { env: { SIGNING_MAIN: symbiontKey() } })]);
    // Different schemes are different names: two lineages, no warning.
    assert.equal(buildLineages(versions).lineages.length, 2);
    const twins = await listAll([keyFile('signing-new.key', symbiontKey()), keyFile('signing-current.key', symbiontKey())]);
    const { lineages } = buildLineages(twins);
    assert.equal(lineages.length, 1);
    assert.equal(lineages[0].versions.filter((v) => v.role === 'primary').length, 1, 'still exactly one primary');
    assert.match(lineages[0].warnings.join('\n'), /two versions claim to be primary/);
  });

  it('an override joins what no rule covers, in the order given, and can pin the primary', async () => {
    const a = keyFile('alpha.key', symbiontKey());
    const b = keyFile('omega.key', symbiontKey());
    const versions = await listAll([a, b]);
    assert.equal(buildLineages(versions).lineages.length, 2, 'no rule joins alpha and omega');
    const joined = buildLineages(versions, [{ name: 'symbiont', versions: [b.ref, a.ref] }]);
    assert.deepEqual(summary(joined.lineages), { symbiont: [['current', 'primary'], ['current', 'decrypt-only']] });
    assert.equal(joined.lineages[0].primary, a.ref, 'the last listed is the newest');
    const pinned = buildLineages(versions, [{ name: 'symbiont', versions: [b.ref, a.ref], primary: b.ref }]);
    assert.equal(pinned.lineages[0].primary, b.ref);
    assert.equal(pinned.lineages[0].rule, 'override');
    const stray = buildLineages(versions, [{ name: 'x', versions: ['file:/nowhere.key'] }]);
    assert.match(stray.warnings.join('\n'), /no configured key version matches "file:\/nowhere.key"/);
  });

  it('never mixes kinds by name alone, and reports a lineage without any usable version', () => {
    const sym = buildVersionInfos('env:APP_KEY_V1', [{ version: 'current', kind: 'symbiont', order: 1 }], { multiVersion: false });
    const kekOld = buildVersionInfos('env:APP_KEY_V2', [{ version: 'x', kind: 'kek', keyId: 'x', order: 1 }], { multiVersion: false });
    assert.equal(buildLineages([...sym, ...kekOld]).lineages.length, 2);
    const prevOnly = buildVersionInfos('env:K_PREVIOUS', [{ version: 'current', kind: 'symbiont', order: 1, decryptOnly: true }], { multiVersion: false });
    const { lineages } = buildLineages(prevOnly);
    assert.equal(lineages[0].primary, undefined);
    assert.match(lineages[0].warnings.join('\n'), /no usable primary version/);
  });

  it('parses overrides and rejects malformed ones with a readable message', () => {
    assert.deepEqual(parseLineageOverrides(undefined, 'x'), []);
    assert.deepEqual(parseLineageOverrides([{ name: ' k ', versions: ['env:A', 'env:B'], primary: 'env:B' }], 'x'), [{ name: 'k', versions: ['env:A', 'env:B'], primary: 'env:B' }]);
    assert.throws(() => parseLineageOverrides({}, '.enclog.json'), /\.enclog\.json: "lineages" must be an array/);
    assert.throws(() => parseLineageOverrides([{ name: 'k', versions: [] }], 'x'), /lineages\[0\]\.versions/);
    assert.throws(() => parseLineageOverrides([{ versions: ['a'] }], 'x'), /lineages\[0\]\.name/);
  });
});
