/**
 * The extension's structure as a real VS Code sees it: one typed settings object whose change event
 * fires once per real change (and only for what changed), and the test API that replaces test fields
 * on production objects.
 */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension/main';
import type { SettingsChange } from '../../src/extension/config';

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('extension structure in a real extension host', function () {
  this.timeout(60_000);
  let api: ExtensionApi;

  before(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>('enclog.encrypted-log-inspector')!.activate();
  });

  it('settings: one change event per real change, naming only the fields that changed', async () => {
    const seen: SettingsChange[] = [];
    const sub = api.settings.onDidChange((e) => seen.push(e));
    const cfg = vscode.workspace.getConfiguration('encryptedLogs');
    const resetsBefore = api.engines.gen;
    try {
      await cfg.update('keyCacheIdleMinutes', 7, vscode.ConfigurationTarget.Global);
      await waitFor('the change event', () => seen.length > 0);
      assert.strictEqual(api.settings.current.keyCacheIdleMinutes, 7);
      // writing the same value again, or an unrelated setting, is no change of ours
      await cfg.update('keyCacheIdleMinutes', 7, vscode.ConfigurationTarget.Global);
      await vscode.workspace.getConfiguration('editor').update('tabSize', 3, vscode.ConfigurationTarget.Global);
      await new Promise((r) => setTimeout(r, 1500)); // the settings file watcher may announce the write again
      assert.strictEqual(seen.length, 1, `events: ${seen.length}`);
      const e = seen[0]!;
      assert.ok(e.affects('keyCacheIdleMinutes'));
      assert.ok(!e.affects('keySources') && !e.affects('vault') && !e.affects('vaultAuth'), 'only the idle timeout changed');
      assert.strictEqual(api.engines.gen, resetsBefore, 'an idle-timeout change does not recreate the engine');
    } finally {
      sub.dispose();
      await cfg.update('keyCacheIdleMinutes', undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace.getConfiguration('editor').update('tabSize', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a workspace key-source change is one event and one engine reset', async () => {
    const cfg = vscode.workspace.getConfiguration('encryptedLogs');
    const before = cfg.inspect<string[]>('keySources')?.workspaceValue ?? [];
    const seen: SettingsChange[] = [];
    const sub = api.settings.onDidChange((e) => seen.push(e));
    const gen = api.engines.gen;
    try {
      await cfg.update('keySources', [...before, 'env:ENCLOG_STRUCTURE_TEST_KEY'], vscode.ConfigurationTarget.Workspace);
      await waitFor('the reset', () => api.engines.gen > gen);
      await new Promise((r) => setTimeout(r, 1500));
      assert.strictEqual(seen.filter((e) => e.affects('keySources')).length, 1);
      assert.strictEqual(api.engines.gen, gen + 1, 'one reset');
      assert.ok(api.engines.refs.includes('env:ENCLOG_STRUCTURE_TEST_KEY'));
    } finally {
      sub.dispose();
      await cfg.update('keySources', before, vscode.ConfigurationTarget.Workspace);
      await waitFor('the original key sources', () => !api.engines.refs.includes('env:ENCLOG_STRUCTURE_TEST_KEY'));
    }
  });

  it('the test API exists because VS Code runs tests (ExtensionMode.Test); production objects hold no test fields', () => {
    assert.ok(api.test, 'activate() returned the test API');
    const viewer = api.viewer as unknown as Record<string, unknown>;
    for (const field of ['posted', 'received', 'firstDecryptedRowsAt']) assert.ok(!(field in viewer), `LogViewerProvider has no ${field}`);
    assert.ok(!('rendered' in (api.tree as unknown as Record<string, unknown>)));
    assert.ok(!('lastRenewal' in (api.vaultRenewer as unknown as Record<string, unknown>)));
    // TypeScript's `private` is not enforced at run time: the fields must not exist at all
    assert.ok(!('overdue' in (api.policyStatus as unknown as Record<string, unknown>)), 'PolicyStatus keeps no last findings for tests');
    assert.ok(!('notices' in (api.vaultConsent as unknown as Record<string, unknown>)), 'VaultAddressConsent keeps no last notices for tests');
  });
});
