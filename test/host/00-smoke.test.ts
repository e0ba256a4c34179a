import * as assert from 'node:assert';
import * as vscode from 'vscode';

describe('smoke', () => {
  it('runs inside a real extension host', async () => {
    assert.ok(vscode.version);
    const ext = vscode.extensions.getExtension('enclog.encrypted-log-inspector');
    assert.ok(ext, 'extension is known');
    await ext.activate();
    assert.ok(ext.isActive);
  });
});
