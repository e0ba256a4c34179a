import assert from 'node:assert/strict';
import { isInside, keyFileInRepoWarning, rotationConfirmation, targetOriginText, type TargetOrigin } from '../../../src/core/rotation/target-origin';

describe('rotation target origin (who chose the key a rotation writes to)', () => {
  it('isInside: a file under the directory, not the directory itself, a sibling or a ../ escape', () => {
    assert.equal(isInside('/r/keys/kek.key', '/r'), true);
    assert.equal(isInside('keys/kek.key', '/r'), true, 'relative to the directory');
    assert.equal(isInside('/r', '/r'), false);
    assert.equal(isInside('/r2/kek.key', '/r'), false, 'a sibling whose name starts the same');
    assert.equal(isInside('/r/../home/kek.key', '/r'), false);
    assert.equal(isInside('../home/kek.key', '/r'), false);
  });

  it('the plan line names the target, its version, the flag that chose it, the config that also lists it and the Vault address', () => {
    const o: TargetOrigin = { ref: 'vault-kv:secret/k', version: 'v3', namedBy: '--to', listedIn: '/r/.enclog.json', vaultAddress: 'https://v:8200', vaultAddressFrom: 'VAULT_ADDR', warnings: [] };
    assert.equal(targetOriginText(o), 'target: vault-kv:secret/k (primary version v3), named by --to; also listed in /r/.enclog.json; Vault at https://v:8200 (VAULT_ADDR)');
    assert.equal(targetOriginText({ ref: 'env:K', namedBy: '--to', warnings: [] }), 'target: env:K, named by --to');
  });

  it('a workspace-named target: the confirmation names the key source, the settings naming it and every warning', () => {
    const o: TargetOrigin = {
      ref: 'file:/ws/keys/kek-v9.key',
      namedBy: 'the Key Versions view',
      listedIn: 'the workspace settings',
      warnings: ["This key source comes from the workspace settings, not your user settings: a workspace's files can name a key its author knows."],
    };
    const c = rotationConfirmation('reencrypt', o, 2);
    assert.equal(c.message, 'Re-encrypt 2 log(s) to file:/ws/keys/kek-v9.key (its primary version)?');
    assert.match(c.detail, /named in the workspace settings\./);
    assert.match(c.detail, /not your user settings/);
    const n = rotationConfirmation('new-version', { ...o, vaultAddress: 'http://h:1', vaultAddressFrom: "the workspace's settings, allowed for this workspace" });
    assert.equal(n.message, 'Create a new key version in file:/ws/keys/kek-v9.key?');
    assert.match(n.detail, /Vault at http:\/\/h:1 \(the workspace's settings, allowed for this workspace\)/);
  });

  it('the repository key-file warning names the file and the directory', () => {
    assert.match(keyFileInRepoWarning('./keys/k.key', '/r', '.enclog.json', 'target key file'), /^the target key file \.\/keys\/k\.key is inside \/r, the directory of its \.enclog\.json/);
  });
});
