import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension/main';

describe('smoke', () => {
  it('runs inside a real extension host', async () => {
    assert.ok(vscode.version);
    const ext = vscode.extensions.getExtension('enclog.encrypted-log-inspector');
    assert.ok(ext, 'extension is known');
    await ext.activate();
    assert.ok(ext.isActive);
  });

  it('loads no key source after activation with no log open (no keychain, no Vault, no key in memory)', async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>('enclog.encrypted-log-inspector');
    const api = await ext!.activate();
    // what used to load every source at startup ran within this time (policy status, token renewal timers start later)
    await new Promise((r) => setTimeout(r, 3000));
    assert.strictEqual(api.engines.enginesCreated, 0, 'no engine (key sources) created');
    assert.strictEqual(api.engines.loaded, false);
    assert.deepStrictEqual(api.audit.recent.filter((e) => e.action === 'key-access' || e.action === 'key-source-error'), [], 'no key access recorded');
    const pkg = ext!.packageJSON as { activationEvents: string[]; capabilities?: { untrustedWorkspaces?: { supported: unknown } } };
    assert.ok(!pkg.activationEvents.includes('onStartupFinished') && !pkg.activationEvents.includes('*'), 'not activated at startup');
    assert.strictEqual(pkg.capabilities?.untrustedWorkspaces?.supported, 'limited');
  });
});
