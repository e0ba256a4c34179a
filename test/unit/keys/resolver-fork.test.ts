import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, engineRotationKeys } from '../../../src/core/engine';
import { KeyResolver } from '../../../src/core/keys/resolver';
import { reencryptFiles } from '../../../src/core/rotation/reencrypt';
import { generateEnvelopeLog } from '../../fixtures/generate';
import { FakeSource, spyDeriver } from './fakes';

const zero = (b: Buffer | undefined) => !!b && b.every((x) => x === 0);

describe('one key stack: the resolver fork and the engine lease rotation runs on', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'enclog-lease-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a fork copies the loaded keys (each source loaded once) and loads only its extra sources', async () => {
    const a = new FakeSource('env:A', [{ version: 'v1', kind: 'kek', keyId: 'a-v1', material: randomBytes(32) }]);
    const t = new FakeSource('env:T', [{ version: 'v1', kind: 'kek', keyId: 't-v1', material: randomBytes(32) }]);
    const parent = new KeyResolver([a], { deriver: spyDeriver() });
    const fork = parent.fork([t]);
    const [p, f] = await Promise.all([parent.load(), fork.load()]);
    assert.equal(a.loads, 1, 'the engine source is not loaded a second time');
    assert.equal(t.loads, 1);
    assert.deepEqual(f.perSource.map((ks) => ks.map((k) => k.info.label)), [['env:A@v1'], ['env:T@v1']]);
    assert.deepEqual(f.perSource[0][0].material, p.perSource[0][0].material);
    assert.notEqual(f.perSource[0][0].material, p.perSource[0][0].material, 'a copy, not the same buffer');

    parent.clearCache(); // the window clears its key cache mid-rotation
    await new Promise((r) => setImmediate(r));
    assert.ok(zero(p.perSource[0][0].material));
    assert.ok(!zero(f.perSource[0][0].material), 'the fork keeps its snapshot');
    fork.clearCache();
    await new Promise((r) => setImmediate(r));
    assert.ok(zero(f.perSource[0][0].material) && zero(f.perSource[1][0].material), 'the fork wipes its own copies');
  });

  it('an engine replaced mid-rotation (settings change) leaves the run on its snapshot; the pool closes when the lease is returned', async () => {
    const fx = await generateEnvelopeLog(dir, { entries: 40, fileName: 'a.log' });
    const refs = fx.keySpecs.map((spec, i) => {
      const p = join(dir, `k${i}.key`);
      writeFileSync(p, spec);
      chmodSync(p, 0o600);
      return `file:${p}`;
    });
    const to = join(dir, 'new.key');
    writeFileSync(to, `kek-v9:${randomBytes(32).toString('base64')}`);
    chmodSync(to, 0o600);
    const engine = createEngine({ keyRefs: refs, retired: new Set(), poolSize: 1 });
    const keys = engine.rotationKeys([`file:${to}`]);
    assert.deepEqual(keys.sources.map((s) => s.ref), [...refs, `file:${to}`]);
    await keys.load();
    await engine.dispose(); // what EngineHost does on a settings change
    assert.throws(() => engine.rotationKeys(), /disposed/);
    const salt = randomBytes(16);
    const params = { memoryKiB: 64, iterations: 1, parallelism: 1 };
    assert.equal((await keys.deriver.derive(Buffer.from('pw'), salt, params)).length, 32, 'the pool still serves the lease');
    const [report] = await reencryptFiles([fx.path], keys, { to: `file:${to}` });
    assert.equal(report.status, 'rotated', report.error ?? undefined);
    assert.equal(report.fieldsFailed, 0);
    await keys.dispose();
    await assert.rejects(keys.deriver.derive(Buffer.from('pw'), salt, params), /closed/);
    await assert.rejects(keys.load(), /after release/);
  });

  it('engineRotationKeys (the CLI): an engine for one run, its pool and keys gone with the lease', async () => {
    const p = join(dir, 'one.key');
    writeFileSync(p, `kek-v1:${randomBytes(32).toString('base64')}`);
    chmodSync(p, 0o600);
    const events: string[] = [];
    const keys = engineRotationKeys({ keyRefs: [`file:${p}`], poolSize: 1, audit: (e) => events.push(e.action) });
    const { perSource } = await keys.load();
    const material = perSource[0][0].material;
    assert.equal(events.includes('cache-cleared'), false, 'nothing is cleared before the run');
    const params = { memoryKiB: 64, iterations: 1, parallelism: 1 };
    await keys.deriver.derive(Buffer.from('pw'), randomBytes(16), params);
    await keys.dispose();
    await new Promise((r) => setImmediate(r));
    assert.ok(zero(material), 'the run\'s key copies are wiped');
    await assert.rejects(keys.deriver.derive(Buffer.from('pw'), randomBytes(16), params), /closed/);
  });
});
