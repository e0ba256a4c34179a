import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlineDeriver } from '../../../src/core/crypto/argon2';
import { engineRotationKeys } from '../../../src/core/engine';
import { nextVersionName } from '../../../src/core/keys/rotatable';
import { createKeyVersion } from '../../../src/core/rotation';
import { useTmpDir } from '../../support/tmp-dir';

describe('rotation: the id of a new key version', () => {
  const tmp = useTmpDir('newid');

  function keyFile(name: string, id: string): string {
    const p = join(tmp(), name);
    writeFileSync(p, `${id}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    chmodSync(p, 0o600);
    return `file:${p}`;
  }

  it('continues the numbering and skips every id a configured source already holds', () => {
    assert.equal(nextVersionName(['kek-v1', 'kek-v2'], 'kek'), 'kek-v3');
    assert.equal(nextVersionName(['kek-v1', 'kek-v2'], 'kek', ['kek-v3', 'kek-v4']), 'kek-v5');
    assert.equal(nextVersionName(['main'], 'kek', ['main-v2']), 'main-v2x');
    assert.equal(nextVersionName([], 'kek', ['kek-v1']), 'kek-v1x');
  });

  it('a key outside the lineage (e.g. a repository-supplied key split off by a lineage override) never shares the new id', async () => {
    const mine = keyFile('kek-v2.key', 'kek-v2');
    const planted = keyFile('planted.key', 'kek-v3');
    const lineages = [
      { name: 'mine', versions: [mine] },
      { name: 'planted', versions: [planted] },
    ];
    const keys = engineRotationKeys({ keyRefs: [mine, planted], lineages, deriver: inlineDeriver() });
    const nv = await createKeyVersion(mine, keys, { lineages });
    assert.equal(nv.keyId, 'kek-v4', 'kek-v3 is held by another configured key');
    assert.match(nv.operatorValue ?? '', /^kek-v4:/);
  });
});
