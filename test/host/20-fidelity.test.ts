/**
 * Fidelity in the real extension host: a Symbiont entry whose plaintext holds 64-bit integers and
 * exact number texts reaches the detail protocol and the export byte-exact; "Reopen with Format…"
 * reads a file detection gives up on.
 */
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { inlineDeriver } from '../../src/core/crypto/argon2';
import { sealSymbiontField } from '../../src/core/crypto/symbiont-cipher';
import type { ExtensionApi } from '../../src/extension/main';
import type { ViewerPanel } from '../../src/extension/viewer';
import { ask, lastOf, trace } from './protocol';
import type { FixtureWorkspace } from './workspace';

const ARGS = '{"account_id":12345678901234567,"max":18446744073709551615,"ratio":1.0,"huge":1.5e300,"dup":1,"dup":2,"10":"ten","2":"two"}';
const REQUEST = `{"prompt":"look up the account","tool_name":"lookup","tool_arguments":${ARGS},"parameters":{"max_tokens":64}}`;

function workspaceDir(): string {
  const d = process.env.ENCLOG_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(d);
  return d;
}

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('fidelity in a real extension host', function () {
  this.timeout(180_000);
  let api: ExtensionApi;
  let exact: string;
  let junkFirst: string;

  before(async () => {
    api = await vscode.extensions.getExtension<ExtensionApi>('enclog.encrypted-log-inspector')!.activate();
    const fx = JSON.parse(fs.readFileSync(path.join(workspaceDir(), '.fixture.json'), 'utf8')) as FixtureWorkspace;
    const key = fs.readFileSync(path.join(fx.dir, 'keys', 'symbiont-2025.key'), 'utf8').trim();
    // what Symbiont's serde_json writer puts in the request plaintext: the digits as they are
    const data = await sealSymbiontField(Buffer.from(REQUEST, 'utf8'), Buffer.from(key, 'utf8'), inlineDeriver(), 'Argon2');
    const entry = {
      id: '0b6f3c1e-5a4d-4c2b-9e8f-000000000064', agent_id: '7d3c1f8e-1111-4a5b-9c0d-000000000001', interaction_type: 'ToolCall',
      timestamp: '2025-03-01T09:00:00Z', latency_ms: 12, model_identifier: 'gpt-4o-mini', request_data: data, response_data: null,
      metadata: {}, error: null, token_usage: null,
    };
    exact = path.join(workspaceDir(), `exact-${process.pid}.encrypted.log`);
    fs.writeFileSync(exact, JSON.stringify(entry) + '\n');
    junkFirst = path.join(workspaceDir(), `banner-${process.pid}.encrypted.log`);
    fs.writeFileSync(junkFirst, '{"note":"rotated"}\n'.repeat(16) + JSON.stringify(entry) + '\n');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of [exact, junkFirst]) fs.rmSync(f, { force: true });
  });

  async function open(file: string): Promise<ViewerPanel> {
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'encryptedLogs.viewer');
    return waitFor(path.basename(file), () => api.viewer.panelFor(uri));
  }

  it('the detail protocol carries the decrypted JSON digit for digit (masked and revealed)', async () => {
    const p = await open(exact);
    await waitFor('ready', () => trace(p).received.some((m) => m.type === 'ready'));
    const d = (await ask(p, 'getDetail', { index: 0 }))!;
    assert.strictEqual(d.status, 'ok', String(d.error));
    assert.strictEqual(d.requestJson, REQUEST);
    assert.ok(await vscode.commands.executeCommand<boolean>('encryptedLogs.revealEntry', 0, true));
    assert.strictEqual(lastOf(p, 'revealed')!.detail.requestJson, REQUEST);
  });

  it('the export writes the same bytes', async () => {
    const out = path.join(os.tmpdir(), `enclog-exact-${process.pid}.jsonl`);
    try {
      const n = await vscode.commands.executeCommand<number>('encryptedLogs.exportFiltered', vscode.Uri.file(out));
      assert.strictEqual(n, 1);
      const line = fs.readFileSync(out, 'utf8');
      assert.ok(line.includes(`"request":${REQUEST},`), line);
    } finally {
      fs.rmSync(out, { force: true });
    }
  });

  it('search finds the entry by its 64-bit id (searched as shown, digit for digit)', async () => {
    const p = api.viewer.panelFor(vscode.Uri.file(exact))!;
    assert.strictEqual(await p.applyFilters(-1, { text: '12345678901234567' }), 1);
    assert.strictEqual(await p.applyFilters(-1, { text: '12345678901234568' }), 0, 'the rounded double is not what was written');
    await p.applyFilters(-1, {});
  });

  it('Reopen with Format… reads a file whose first lines defeat detection', async () => {
    const p = await open(junkFirst);
    const init = await waitFor('init', () => lastOf(p, 'init'));
    assert.strictEqual(init.format, 'unknown');
    assert.ok(init.keyErrors.some((e) => /Reopen with Format/.test(e)), init.keyErrors.join('\n'));
    const format = await vscode.commands.executeCommand<string>('encryptedLogs.reopenWithFormat', 'symbiont');
    assert.strictEqual(format, 'symbiont');
    assert.strictEqual(p.doc.entryCount, 17);
    const d = (await ask(p, 'getDetail', { index: 16 }))!;
    assert.strictEqual(d.requestJson, REQUEST);
  });
});
