/**
 * Host tests: run inside the real extension host (see index.ts). The workspace is the fixture
 * workspace written by prepare-workspace (ENCLOG_TEST_WORKSPACE), with file key sources.
 */
import * as assert from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension/main';
import type { ViewerPanel } from '../../src/extension/viewer';
import type { HostMessage } from '../../src/shared/protocol';
import { ask, lastOf, rowsSeen, trace } from './protocol';
import type { KeyTreeNode } from '../../src/extension/keyTree';
import { sealEnvelope } from '../../src/core/crypto';
import type { FixtureWorkspace } from './workspace';
import { startVaultDouble } from '../support/vault-double';
import { startRecorder } from '../support/token-recorder';
import { readSettings } from '../../src/extension/config';
import { keyLineageOverrides } from '../../src/extension/config';
import { policySettings } from '../../src/extension/policySettings';
import { RESTRICTED_SETTINGS, trustedSetting } from '../../src/extension/trustedSettings';

const EXT_ID = 'enclog.encrypted-log-inspector';

function workspaceDir(): string {
  const d = process.env.ENCLOG_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(d, 'a fixture workspace is open');
  return d;
}
function fixture(): FixtureWorkspace {
  return JSON.parse(fs.readFileSync(path.join(workspaceDir(), '.fixture.json'), 'utf8')) as FixtureWorkspace;
}

async function waitFor<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let api: ExtensionApi;

async function openViewer(file: string): Promise<ViewerPanel> {
  const uri = vscode.Uri.file(file);
  await vscode.commands.executeCommand('vscode.openWith', uri, 'encryptedLogs.viewer');
  return waitFor(`viewer panel for ${path.basename(file)}`, () => api.viewer.panelFor(uri), 60_000);
}

describe('Encrypted Log Inspector in a real extension host', function () {
  this.timeout(180_000);

  before(async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXT_ID);
    assert.ok(ext, `${EXT_ID} is installed`);
    api = await ext.activate();
    assert.ok(api.viewer && api.engines && api.tree, 'activate() returns the API');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('activates and reads the workspace key sources', () => {
    const fx = fixture();
    assert.deepStrictEqual(api.engines.refs, fx.keyRefs);
  });

  it('registers every contributed command and contributes every registered one', async () => {
    const ext = vscode.extensions.getExtension(EXT_ID)!;
    const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; category?: string }[] } };
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    const all = await vscode.commands.getCommands(true);
    // (VS Code adds `<viewId>.focus` etc. for every contributed view: not ours to register)
    const registered = all.filter((c) => c.startsWith('encryptedLogs.') && !c.startsWith('encryptedLogs.keyVersions.')).sort();
    assert.deepStrictEqual(registered, contributed, 'registered encryptedLogs.* commands == contributes.commands');
    assert.deepStrictEqual([...api.commandIds].sort(), contributed, 'the command table == contributes.commands');
    for (const c of pkg.contributes.commands) assert.strictEqual(c.category, 'Encrypted Logs', `${c.command} has the category`);
  });

  describe('envelope log', () => {
    let p: ViewerPanel;
    before(async () => {
      p = await openViewer(fixture().envelopeLog);
    });

    it('opens in the custom editor and the webview completes the ready handshake', async () => {
      await waitFor('ready from the webview', () => trace(p).received.some((m) => m.type === 'ready'));
      const init = await waitFor('init', () => lastOf(p, 'init'));
      assert.strictEqual(init.format, 'envelope');
      assert.strictEqual(init.entryCount, fixture().expect.envelope.entries);
      assert.strictEqual(init.noKeySources, false);
    });

    it('decrypted rows reach the webview protocol (pulled by the real webview)', async () => {
      await waitFor('getRows from the webview', () => trace(p).received.some((m) => m.type === 'request' && m.method === 'getRows'));
      const rows = await waitFor('decrypted rows', () => {
        const m = rowsSeen(p);
        return [...m.values()].filter((r) => r.status === 'ok').length >= 10 ? m : undefined;
      });
      const ok = [...rows.values()].filter((r) => r.status === 'ok');
      assert.ok(ok.some((r) => r.key?.includes('kek-v1')), `some row opened with kek-v1: ${ok.map((r) => r.key).join(',')}`);
      const r0 = rows.get(0)!;
      assert.strictEqual(r0.status, 'ok');
      assert.ok(r0.time && r0.model && r0.agent);
      // the unknown key id (entry 7) is a per-entry failure; the rest of the view is unaffected
      const r7 = rows.get(7);
      assert.ok(r7, 'row 7 was sent');
      assert.strictEqual(r7.status, 'error');
      assert.strictEqual(r7.reason, 'no-key');
      const r11 = rows.get(11);
      assert.ok(r11 && r11.status === 'error' && r11.reason === 'tampered', `entry 11 tampered: ${JSON.stringify(r11)}`);
    });

    it('serves a masked detail; Reveal shows plaintext and is audited', async () => {
      const fx = fixture();
      const d = await ask(p, 'getDetail', { index: 0 });
      assert.ok(d);
      const text = String(d.requestJson);
      assert.ok(!text.includes(fx.expect.email), 'the e-mail is masked by default');
      assert.ok(text.includes('[EMAIL]'), `masked marker present: ${text}`);
      assert.ok(!String(d.requestJson).includes('sk-test-1234567890'));
      // unmasking a category is a reveal: declined, nothing changes and nothing is recorded
      const reveals = () => api.audit.recent.filter((e) => e.action === 'reveal').length;
      const before = reveals();
      assert.strictEqual(await p.setMask({ email: false }, false), false);
      assert.ok(!String((await ask(p, 'getDetail', { index: 0 }))!.requestJson).includes(fx.expect.email), 'declined: still masked');
      assert.strictEqual(reveals(), before);
      // confirmed: for this editor only, audited (the category, never a value)
      assert.strictEqual(await p.setMask({ email: false }, true), true);
      assert.ok(String((await ask(p, 'getDetail', { index: 0 }))!.requestJson).includes(fx.expect.email));
      const unmaskAudit = api.audit.recent.filter((e) => e.action === 'reveal').at(-1);
      assert.ok(unmaskAudit?.detail?.includes('categories unmasked in one editor: email'), JSON.stringify(unmaskAudit));
      const copied = await p.copyEntry(0);
      assert.match(copied ?? '', /"masking": ?"masked except email"/, 'the copy says what it holds');
      await p.setMask({ email: true });
      // reveal (confirmation answered by the test), audited
      const ok = await vscode.commands.executeCommand<boolean>('encryptedLogs.revealEntry', 1, true);
      assert.strictEqual(ok, true);
      const rev = lastOf(p, 'revealed');
      assert.ok(rev && rev.index === 1 && rev.detail.revealed);
      assert.ok(String(rev.detail.requestJson).includes(fx.expect.email));
      const audit = api.audit.recent.find((e) => e.action === 'reveal' && e.detail?.includes('entry 1'));
      assert.ok(audit, 'reveal audited');
      assert.ok(!JSON.stringify(api.audit.recent).includes(fx.expect.email), 'audit never holds plaintext');
    });

    it('copies an entry as masked JSON', async () => {
      const fx = fixture();
      const text = await p.copyEntry(2);
      assert.ok(text);
      assert.strictEqual(await vscode.env.clipboard.readText(), text);
      const obj = JSON.parse(text) as { index: number; revealed: boolean; masking: string };
      assert.strictEqual(obj.index, 2);
      assert.strictEqual(obj.masking, 'masked');
      assert.strictEqual(obj.revealed, false);
      assert.ok(!text.includes(fx.expect.email));
    });

    it('first screen: masked prompt/response previews, tokens in/out, key id with its source; the first entry selected and shown', async () => {
      const fx = fixture();
      const rows = await waitFor('rows with previews', () => {
        const m = rowsSeen(p);
        return [...m.values()].filter((r) => r.status === 'ok' && r.prompt !== null).length >= 10 ? m : undefined;
      });
      const r0 = rows.get(0)!;
      assert.match(String(r0.prompt), /^Entry 0: summarise the .*report for \[EMAIL\], call me at \S+$/);
      assert.match(String(r0.response), /^Summary 0: revenue grew; contact \[EMAIL\] for details\.$/);
      const all = JSON.stringify([...rows.values()]);
      assert.ok(!all.includes(fx.expect.email) && !all.includes('555-867-5309') && !all.includes('sk-test-1234567890'), 'nothing unmasked in any row');
      assert.deepStrictEqual([r0.inputTokens, r0.outputTokens, r0.tokens], [100, 40, 140]);
      assert.strictEqual(r0.keyText, 'kek-v1');
      assert.match(String(r0.keyTitle), /source: file:.*kek-v1\.key/);
      const r7 = rows.get(7)!;
      assert.strictEqual(r7.status, 'error');
      assert.ok(r7.keyText && r7.keyText !== 'kek-v1' && r7.keyText !== 'kek-v2', `the unknown key id the entry records: ${r7.keyText}`);
      // the real webview selected the first entry and asked for its detail without a click
      await waitFor('select(0) and its detail from the webview', () =>
        trace(p).received.some((m) => m.type === 'select' && m.index === 0) && trace(p).received.some((m) => m.type === 'request' && m.method === 'getDetail' && m.params.index === 0));
    });

    it('conversation view: the session of an entry as a transcript in time order, masked', async () => {
      const fx = fixture();
      const c = await ask(p, 'getConversation', { index: 2 });
      assert.deepStrictEqual(c.key, { field: 'session', value: 's-0' });
      assert.deepStrictEqual(c.entries, [0, 1, 2, 3, 4]);
      const roles = c.items.filter((i) => i.index === 1).map((i) => i.role);
      assert.deepStrictEqual(roles, ['prompt', 'tool-call', 'tool-result', 'response']);
      assert.strictEqual(c.items.find((i) => i.role === 'tool-call')?.title, 'search_documents');
      assert.match(String(c.items.find((i) => i.role === 'tool-call')?.text), /"account_id": 12345678901234567/);
      assert.ok(!JSON.stringify(c).includes(fx.expect.email) && !JSON.stringify(c).includes('sk-test-1234567890'));
    });

    it('sorts by latency and tokens (both directions) and back to file order', async () => {
      const fx = fixture();
      try {
        assert.strictEqual((await ask(p, 'sort', { sort: { column: 'latency', descending: true } })).viewCount, fx.expect.envelope.entries);
        const byLatency = (await ask(p, 'getRows', { from: 0, count: 500 })).rows;
        assert.strictEqual(byLatency.length, fx.expect.envelope.entries);
        const lat = byLatency.map((r) => r.latencyMs ?? -1);
        assert.deepStrictEqual(lat, [...lat].sort((a, b) => b - a), 'descending latency');
        assert.notDeepStrictEqual(byLatency.map((r) => r.index), byLatency.map((r) => r.index).sort((a, b) => a - b));
        await ask(p, 'sort', { sort: { column: 'tokens', descending: false } });
        const tok = (await ask(p, 'getRows', { from: 0, count: 500 })).rows.map((r) => r.tokens ?? Infinity);
        assert.deepStrictEqual(tok, [...tok].sort((a, b) => a - b), 'ascending tokens');
        // a filter keeps the sort
        await p.applyFilters(-1, { text: fx.expect.searchWord });
        const filtered = (await ask(p, 'getRows', { from: 0, count: 500 })).rows.map((r) => r.tokens ?? Infinity);
        assert.strictEqual(filtered.length, fx.expect.envelopeSearchHits);
        assert.deepStrictEqual(filtered, [...filtered].sort((a, b) => a - b));
        await p.applyFilters(-1, {});
      } finally {
        await ask(p, 'sort', { sort: null });
      }
      assert.deepStrictEqual((await ask(p, 'getRows', { from: 0, count: 5 })).rows.map((r) => r.index), [0, 1, 2, 3, 4]);
    });

    it('copies a prompt masked; an unmasked copy asks first and is audited (never its text)', async () => {
      const fx = fixture();
      const reveals = () => api.audit.recent.filter((e) => e.action === 'reveal').length;
      const before = reveals();
      assert.deepStrictEqual(await ask(p, 'copy', { index: 0, what: 'prompt' }), { copied: true, label: 'masked' });
      const masked = await vscode.env.clipboard.readText();
      assert.match(masked, /^Entry 0: summarise .*\[EMAIL\]/);
      assert.strictEqual(reveals(), before, 'a masked copy is no reveal');
      assert.deepStrictEqual(await p.copy(0, 'prompt', true, false), { copied: false, label: 'declined' });
      assert.strictEqual(await vscode.env.clipboard.readText(), masked, 'declined: the clipboard is untouched');
      assert.strictEqual(reveals(), before);
      assert.deepStrictEqual(await p.copy(0, 'response', true, true), { copied: true, label: 'unmasked' });
      assert.ok((await vscode.env.clipboard.readText()).includes(fx.expect.email));
      const rec = api.audit.recent.filter((e) => e.action === 'reveal').at(-1);
      assert.match(String(rec?.detail), /copied the response of .*envelope\.encrypted\.log entry 0 .*unmasked to the clipboard/);
      assert.ok(!JSON.stringify(api.audit.recent).includes(fx.expect.email), 'audit never holds plaintext');
      await vscode.env.clipboard.writeText('');
    });

    it('remembers column layout per workspace; a malformed layout from the webview is ignored', async () => {
      const layout = { columns: [{ id: 'agent', width: null, hidden: true }, { id: 'prompt', width: 333, hidden: false }], sort: null };
      await p.handle({ type: 'saveLayout', layout });
      await p.handle({ type: 'saveLayout', layout: { columns: 'x' } as never });
      await p.handle({ type: 'saveLayout', layout: { columns: [{ id: '<img src=x>', width: 1, hidden: true }], sort: null } });
      p.panel.reveal();
      await p.handle({ type: 'ready' });
      assert.deepStrictEqual(lastOf(p, 'init')?.layout, layout);
    });

    it('searches decrypted content with progress and a match count', async () => {
      const fx = fixture();
      const n = await p.applyFilters(77, { text: fx.expect.searchWord });
      assert.strictEqual(n, fx.expect.envelopeSearchHits);
      const prog = trace(p).posted.filter((m) => m.type === 'scanProgress' && m.reqId === 77);
      assert.ok(prog.length >= 1);
      const last = prog[prog.length - 1] as Extract<HostMessage, { type: 'scanProgress' }>;
      assert.ok(last.finished && last.matches === n);
      assert.strictEqual(p.viewCount, n);
      // status filter: failed entries only
      const failed = await p.applyFilters(78, { status: 'error' });
      assert.strictEqual(failed, fx.expect.envelope.failures);
      await p.applyFilters(79, {});
      assert.strictEqual(p.viewCount, fx.expect.envelope.entries);
    });

    it('jumps to the next failure', async () => {
      const i = await vscode.commands.executeCommand<number>('encryptedLogs.nextFailure', 0);
      assert.strictEqual(i, 7);
      const j = await vscode.commands.executeCommand<number>('encryptedLogs.nextFailure', 7);
      assert.strictEqual(j, 11);
      const k = await vscode.commands.executeCommand<number>('encryptedLogs.previousFailure', 11);
      assert.strictEqual(k, 7);
    });

    it('exports the shown entries as masked JSON lines, audited', async () => {
      const fx = fixture();
      const out = path.join(os.tmpdir(), `enclog-export-${process.pid}.jsonl`);
      const n = await vscode.commands.executeCommand<number>('encryptedLogs.exportFiltered', vscode.Uri.file(out));
      assert.strictEqual(n, fx.expect.envelope.entries);
      const text = fs.readFileSync(out, 'utf8');
      assert.strictEqual(text.trim().split('\n').length, n);
      assert.ok(!text.includes(fx.expect.email), 'export is masked');
      assert.ok(api.audit.recent.some((e) => e.action === 'export' && e.detail?.includes(out)));
      fs.rmSync(out, { force: true });
    });

    it('live tail: appended entries appear without reopening', async () => {
      const fx = fixture();
      const kekLine = fs.readFileSync(path.join(fx.dir, 'keys', 'kek-v2.key'), 'utf8').trim();
      const kek = Buffer.from(kekLine.slice(kekLine.indexOf(':') + 1), 'base64');
      const entry = {
        id: 'tail-0001',
        agent_id: 'tail-agent',
        interaction_type: 'Completion',
        timestamp: new Date().toISOString(),
        latency_ms: 5,
        model_identifier: 'tail-model',
        metadata: {},
        error: null,
        token_usage: null,
        request_data: sealEnvelope(Buffer.from(JSON.stringify({ prompt: 'appended later', tool_name: null, tool_arguments: null, parameters: {} })), kek, 'kek-v2'),
        response_data: null,
      };
      const before = p.doc.entryCount;
      fs.appendFileSync(fx.envelopeLog, JSON.stringify(entry) + '\n');
      await waitFor('the appended entry', () => p.doc.entryCount === before + 1, 20_000);
      const vc = await waitFor('viewChanged(tail)', () => trace(p).posted.some((m) => m.type === 'viewChanged' && m.reason === 'tail' && m.entryCount === before + 1));
      assert.ok(vc);
      const d = (await ask(p, 'getDetail', { index: before }))!;
      assert.strictEqual(d.status, 'ok');
      assert.ok(String(d.requestJson).includes('appended later'));
    });
  });

  describe('hostile content in the viewer', () => {
    let file: string;
    after(() => fs.rmSync(file, { force: true }));

    it('previews and the transcript of escape sequences, a 3 MB prompt and 50,000-deep nesting stay bounded text', async () => {
      const fx = fixture();
      const kekLine = fs.readFileSync(path.join(fx.dir, 'keys', 'kek-v2.key'), 'utf8').trim();
      const kek = Buffer.from(kekLine.slice(kekLine.indexOf(':') + 1), 'base64');
      const seal = (plaintext: string) => sealEnvelope(Buffer.from(plaintext), kek, 'kek-v2');
      const line = (i: number, request: string, response: string) =>
        JSON.stringify({ id: `h-${i}`, agent_id: 'hostile', interaction_type: 'Completion', timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), latency_ms: 1, model_identifier: 'm', metadata: { session: 'hostile-1' }, error: null, token_usage: null, request_data: seal(request), response_data: seal(response) });
      file = path.join(fx.dir, 'logs', `hostile-${process.pid}.encrypted.log`);
      const deep = '['.repeat(50_000) + ']'.repeat(50_000);
      fs.writeFileSync(
        file,
        [
          line(0, JSON.stringify({ prompt: '\u001b]52;c;ZXZpbA==\u0007\u001b[2J<img src=x onerror=alert(1)>\u202eevil' }), JSON.stringify({ content: '\u009b31m red' })),
          line(1, JSON.stringify({ prompt: 'big '.repeat(750_000) }), deep),
        ].join('\n') + '\n',
      );
      const t0 = Date.now();
      const p = await openViewer(file);
      const rows = await waitFor('hostile rows with previews', () => {
        const m = rowsSeen(p);
        return m.get(0)?.prompt && m.get(1)?.status === 'ok' && m.get(1)?.response ? m : undefined;
      }, 60_000);
      const ms = Date.now() - t0;
      const r0 = rows.get(0)!;
      assert.strictEqual(r0.prompt, '\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J<img src=x onerror=alert(1)>\\u{202e}evil', 'escapes shown as text (the webview sets it as a text node)');
      assert.strictEqual(r0.response, '\\x9b31m red');
      const r1 = rows.get(1)!;
      assert.ok(r1.prompt === '[WITHHELD]' || (r1.prompt!.startsWith('big big') && r1.prompt!.length <= 161), String(r1.prompt).slice(0, 50));
      assert.ok(r1.response === '[WITHHELD]' || (r1.response!.startsWith('[[[[') && r1.response!.length <= 161), String(r1.response).slice(0, 50));
      const c = await ask(p, 'getConversation', { index: 1 });
      assert.deepStrictEqual(c.entries, [0, 1]);
      for (const it of c.items) assert.ok(it.text.length <= 4000, `${it.role} ${it.text.length}`);
      console.log(`    hostile log: rows with previews after ${ms} ms`);
    });
  });

  describe('Symbiont log (Argon2id, rotated key, UPDATE lines)', () => {
    let p: ViewerPanel;
    before(async () => {
      p = await openViewer(fixture().symbiontLog);
    });

    it('decrypts the first rows with the right historical key', async () => {
      const fx = fixture();
      const init = await waitFor('init', () => lastOf(p, 'init'));
      assert.strictEqual(init.format, 'symbiont');
      assert.strictEqual(init.entryCount, fx.expect.symbiont.entries);
      const rows = await waitFor(
        'decrypted Symbiont rows',
        () => {
          const m = rowsSeen(p);
          return [...m.values()].filter((r) => r.status !== 'pending').length >= fx.expect.symbiont.entries ? m : undefined;
        },
        150_000,
      );
      const keys = new Set([...rows.values()].filter((r) => r.status === 'ok').map((r) => r.key));
      assert.ok(keys.size >= 2, `both historical keys used: ${[...keys].join(', ')}; rows: ${JSON.stringify([...rows.values()].slice(0, 3).map((r) => [r.index, r.status, r.reason, r.error]))}`);
      const failures = [...rows.values()].filter((r) => r.status === 'error');
      assert.strictEqual(failures.length, fx.expect.symbiont.failures, JSON.stringify(failures.map((f) => [f.index, f.reason])));
      assert.ok(failures.some((f) => f.reason === 'corrupt'));
      assert.ok(failures.some((f) => f.reason === 'wrong-key' || f.reason === 'no-key'));
    });

    it('merges UPDATE lines: the response of a late entry is decrypted', async () => {
      const d = (await ask(p, 'getDetail', { index: 2 }))!;
      assert.strictEqual(d.status, 'ok');
      assert.ok(String(d.responseJson).includes('Summary 2'), String(d.responseJson));
      assert.strictEqual(d.latencyMs, 321);
    });
  });

  describe('key versions tree', () => {
    it('lists lineages -> versions (one primary each) with entry counts of the open logs', async () => {
      await vscode.commands.executeCommand('encryptedLogs.countEntriesPerKey');
      api.tree.refresh();
      const roots = await api.tree.getChildren();
      // The fixture keeps one file per version: kek-v1.key, kek-v2.key, symbiont-2024.key, symbiont-2025.key.
      const lineages = roots.filter((r): r is Extract<KeyTreeNode, { kind: 'lineage' }> => r.kind === 'lineage');
      assert.deepStrictEqual(lineages.map((l) => l.lineage.name).sort(), ['kek', 'symbiont'], `roots: ${roots.map((r) => r.kind).join(', ')}`);
      const versions: Extract<KeyTreeNode, { kind: 'version' }>[] = [];
      for (const l of lineages) {
        const children = (await api.tree.getChildren(l)).filter((v): v is Extract<KeyTreeNode, { kind: 'version' }> => v.kind === 'version');
        assert.strictEqual(children.length, 2, `${l.lineage.name} has two versions`);
        assert.deepStrictEqual(children.map((v) => v.role), ['primary', 'decrypt-only'], `${l.lineage.name}: newest first, one primary`);
        versions.push(...children);
      }
      assert.deepStrictEqual(versions.map((v) => v.version), ['v2', 'v1', '2025', '2024']);
      assert.match(String(api.tree.getTreeItem(lineages[0]).description), /2 versions · primary v2/);
      const descs = versions.map((v) => String(api.tree.getTreeItem(v).description));
      assert.ok(descs.some((d) => /\b[1-9]\d* entr/.test(d)), `some version has entries: ${descs.join(' | ')}`);
      const kek1 = versions.find((v) => v.info.keyId === 'kek-v1')!;
      assert.match(String(api.tree.getTreeItem(kek1).description), /^decrypt-only · file:kek-v1\.key · .*\b(1[0-9]|[2-9]\d) entries/);
      // Logs of the workspace, counted on demand without opening them in an editor.
      const ws = await vscode.commands.executeCommand<{ files: number; counts: Map<string, number> }>('encryptedLogs.countWorkspaceEntriesPerKey');
      assert.ok(ws && ws.files >= 2, `workspace logs counted: ${ws?.files}`);
      assert.ok((ws.counts.get(kek1.info.label) ?? 0) >= 10, 'kek-v1 entries of the envelope log');
      assert.match(String(api.tree.getTreeItem(kek1).description), new RegExp(`\\b${ws.counts.get(kek1.info.label)} in ${ws.files} workspace logs`));
      await vscode.commands.executeCommand('workbench.view.extension.encryptedLogs');
    });

    it('encryptedLogs.keyLineages joins what no rule covers and pins a primary; a malformed value is a visible warning', async () => {
      const fx = fixture();
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      const [sym2024, sym2025] = fx.keyRefs.filter((r) => r.includes('symbiont-'));
      try {
        await cfg.update('keyLineages', [{ name: 'model-io', versions: [sym2024, sym2025], primary: sym2024 }], vscode.ConfigurationTarget.Workspace);
        api.tree.refresh();
        const roots = await api.tree.getChildren();
        const mio = roots.find((r) => r.kind === 'lineage' && r.lineage.name === 'model-io') as Extract<KeyTreeNode, { kind: 'lineage' }> | undefined;
        assert.ok(mio, `roots: ${roots.map((r) => (r.kind === 'lineage' ? r.lineage.name : r.kind)).join(', ')}`);
        assert.strictEqual(mio.lineage.primary, sym2024, 'the pin wins over the newest');
        assert.strictEqual(mio.ref, sym2024, 'new version acts where the primary lives');
        // New Key Version on that lineage asks first, naming the source, whose settings name it and the workspace's pin.
        // Re-encrypt to a source picked in the UI: the pick says whose settings name each source, and the
        // confirmation names the target and them.
        const asked: { message: string; detail?: string }[] = [];
        const picks: { label: string; description?: string }[][] = [];
        const window = vscode.window as { showWarningMessage: unknown; showQuickPick: unknown };
        const original = { warn: window.showWarningMessage, pick: window.showQuickPick };
        window.showWarningMessage = async (message: string, options?: vscode.MessageOptions) => {
          asked.push({ message, detail: options?.detail });
          return undefined; // declined
        };
        window.showQuickPick = async (items: { label: string; description?: string }[]) => {
          picks.push(items);
          return items.find((i) => i.label === sym2024);
        };
        const logBefore = fs.readFileSync(fx.envelopeLog);
        try {
          const notAsked = (): Promise<string> => new Promise((r) => setTimeout(() => r('not asked'), 20_000));
          const created = await Promise.race([vscode.commands.executeCommand('encryptedLogs.rotation.newKeyVersion', mio), notAsked()]);
          assert.strictEqual(created, undefined, 'declined: no key version created');
          const rotated = await Promise.race([vscode.commands.executeCommand('encryptedLogs.rotation.reencrypt', [fx.envelopeLog]), notAsked()]);
          assert.strictEqual(rotated, undefined, 'declined: nothing re-encrypted');
        } finally {
          window.showWarningMessage = original.warn;
          window.showQuickPick = original.pick;
        }
        assert.strictEqual(asked.length, 2, 'one confirmation each');
        assert.strictEqual(asked[0]!.message, `Create a new key version in ${sym2024}?`);
        assert.match(asked[0]!.detail ?? '', /the key source is named in the workspace settings\./);
        assert.match(asked[0]!.detail ?? '', /not your user settings/);
        assert.match(asked[0]!.detail ?? '', /The lineage's primary was pinned by the workspace's encryptedLogs\.keyLineages/);
        assert.deepStrictEqual(picks[0]!.find((i) => i.label === sym2024)?.description, 'the workspace settings');
        assert.strictEqual(asked[1]!.message, `Re-encrypt 1 log(s) to ${sym2024} (its primary version)?`);
        assert.match(asked[1]!.detail ?? '', /chosen by your pick; the key source is named in the workspace settings\./);
        assert.deepStrictEqual(fs.readFileSync(fx.envelopeLog), logBefore, 'the log is untouched');
        // Everruns' pair, from the extension host's own environment.
        process.env.ENCLOG_HOST_LINEAGE_KEY = `acme-main:${crypto.randomBytes(32).toString('base64')}`;
        process.env.ENCLOG_HOST_LINEAGE_KEY_PREVIOUS = `acme-old:${crypto.randomBytes(32).toString('base64')}`;
        await cfg.update('keySources', [...fx.keyRefs, 'env:ENCLOG_HOST_LINEAGE_KEY_PREVIOUS', 'env:ENCLOG_HOST_LINEAGE_KEY'], vscode.ConfigurationTarget.Workspace);
        await waitFor('env refs in use', () => api.engines.refs.includes('env:ENCLOG_HOST_LINEAGE_KEY'), 10_000);
        api.tree.refresh();
        const pair = (await api.tree.getChildren()).find((r) => r.kind === 'lineage' && r.lineage.name === 'ENCLOG_HOST_LINEAGE_KEY') as Extract<KeyTreeNode, { kind: 'lineage' }> | undefined;
        assert.ok(pair, 'the _PREVIOUS pair is one lineage');
        const pairVersions = (await api.tree.getChildren(pair)).filter((v): v is Extract<KeyTreeNode, { kind: 'version' }> => v.kind === 'version');
        assert.deepStrictEqual(pairVersions.map((v) => [v.info.sourceRef, v.role]), [
          ['env:ENCLOG_HOST_LINEAGE_KEY', 'primary'],
          ['env:ENCLOG_HOST_LINEAGE_KEY_PREVIOUS', 'decrypt-only'],
        ]);
        await cfg.update('keySources', fx.keyRefs, vscode.ConfigurationTarget.Workspace);
        await waitFor('env refs gone', () => !api.engines.refs.includes('env:ENCLOG_HOST_LINEAGE_KEY'), 10_000);

        await cfg.update('keyLineages', { not: 'an array' }, vscode.ConfigurationTarget.Workspace);
        api.tree.refresh();
        const warned = await api.tree.getChildren();
        assert.ok(warned.some((r) => r.kind === 'message' && /keyLineages.*must be an array/.test(r.text)), 'malformed setting shown as a warning');
      } finally {
        await cfg.update('keySources', fx.keyRefs, vscode.ConfigurationTarget.Workspace);
        await cfg.update('keyLineages', undefined, vscode.ConfigurationTarget.Workspace);
        api.tree.refresh();
      }
    });
  });

  describe('no key source configured', () => {
    it('tells the webview (banner with an Add Key Source button) and recovers when sources return', async () => {
      const fx = fixture();
      const p = await openViewer(fx.envelopeLog);
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      await cfg.update('keySources', [], vscode.ConfigurationTarget.Workspace);
      try {
        // (a re-shown tab may also post an init of its own: wait for the one that says "no keys")
        await waitFor('init with noKeySources', () => trace(p).posted.slice(-200).some((m) => m.type === 'init' && m.noKeySources), 30_000);
        await waitFor('the reopened session', () => p.doc.session && api.engines.refs.length === 0, 30_000);
        const d = (await ask(p, 'getDetail', { index: 0 }))!;
        assert.strictEqual(d.status, 'error', 'nothing decrypts without keys');
      } finally {
        await cfg.update('keySources', fx.keyRefs, vscode.ConfigurationTarget.Workspace);
      }
      await waitFor('init with keys again', () => {
        const last = lastOf(p, 'init');
        return last && !last.noKeySources && p.doc.session && api.engines.refs.length === fx.keyRefs.length;
      }, 30_000);
      assert.strictEqual((await ask(p, 'getDetail', { index: 0 }))!.status, 'ok');
    });
  });

  describe('Vault token', () => {
    it('is kept in SecretStorage and renewed with auth/token/renew-self', async () => {
      const http = await import('node:http');
      const seen: { url?: string; token?: string }[] = [];
      const server = http.createServer((req, res) => {
        seen.push({ url: req.url, token: String(req.headers['x-vault-token'] ?? '') });
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && req.url === '/v1/auth/token/renew-self') {
          res.end(JSON.stringify({ auth: { client_token: 'redacted', lease_duration: 7200, renewable: true } }));
        } else {
          res.statusCode = 404;
          res.end(JSON.stringify({ errors: [] }));
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      const fx = fixture();
      const token = 'hvs.host-test-token-0123456789';
      try {
        await cfg.update('vault.address', `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
        await cfg.update('keySources', [...fx.keyRefs, 'vault-transit:transit/host-test'], vscode.ConfigurationTarget.Workspace);
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', token);
        const ttl = await api.vaultRenewer.renewNow();
        assert.strictEqual(ttl, 7200);
        const renew = seen.find((s) => s.url === '/v1/auth/token/renew-self');
        assert.ok(renew, `renew-self called: ${JSON.stringify(seen.map((s) => s.url))}`);
        assert.strictEqual(renew.token, token);
        assert.ok(api.audit.recent.some((e) => e.detail?.includes('vault token renewed (ttl 7200 s)')));
        assert.ok(!JSON.stringify(api.audit.recent).includes(token), 'the audit never holds the token');
      } finally {
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', '');
        await cfg.update('keySources', fx.keyRefs, vscode.ConfigurationTarget.Workspace);
        await cfg.update('vault.address', undefined, vscode.ConfigurationTarget.Global);
        server.close();
      }
    });
  });

  describe('secrets go only where the user sent them', () => {
    it('Restricted Mode: no workspace-defined key source is used (the trust gate of keySources)', async () => {
      const fx = fixture();
      assert.deepStrictEqual(readSettings(true).keySources, fx.keyRefs, 'trusted: the workspace settings apply');
      assert.deepStrictEqual(readSettings(false).keySources, [], 'restricted: only user settings, and the user has none');
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      await cfg.update('keySources', ['env:USER_LEVEL_KEY'], vscode.ConfigurationTarget.Global);
      try {
        assert.deepStrictEqual(readSettings(false).keySources, ['env:USER_LEVEL_KEY']);
      } finally {
        await cfg.update('keySources', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('Restricted Mode: key lineages (the primary pin), the policy and the auto census come from the user only', async () => {
      const ext = vscode.extensions.getExtension(EXT_ID)!;
      const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as { capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } } };
      assert.deepStrictEqual([...pkg.capabilities.untrustedWorkspaces.restrictedConfigurations].sort(), [...RESTRICTED_SETTINGS].sort(), 'package.json declares what the code restricts');
      const fx = fixture();
      const [sym2024, sym2025] = fx.keyRefs.filter((r) => r.includes('symbiont-'));
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      const hostile = [{ name: 'model-io', versions: [sym2024, sym2025], primary: sym2024 }];
      const mine = [{ name: 'mine', versions: [sym2024, sym2025] }];
      try {
        await cfg.update('keyLineages', hostile, vscode.ConfigurationTarget.Workspace);
        await cfg.update('policy.rotationIntervalDays', 0, vscode.ConfigurationTarget.Workspace);
        await cfg.update('policy.minArgon2', { m: 8, t: 1, p: 1 }, vscode.ConfigurationTarget.Workspace);
        assert.deepStrictEqual(keyLineageOverrides(true).overrides.map((o) => o.primary), [sym2024], 'trusted: the workspace pin applies');
        assert.deepStrictEqual(keyLineageOverrides(false).overrides, [], 'restricted: no workspace pin (the user set none)');
        await cfg.update('keyLineages', mine, vscode.ConfigurationTarget.Global);
        assert.deepStrictEqual(keyLineageOverrides(false).overrides.map((o) => o.name), ['mine'], "restricted: the user's own lineages");
        assert.strictEqual(policySettings(undefined, undefined, true).rotationIntervalDays, 0, 'trusted: the workspace policy applies');
        const restricted = policySettings(undefined, undefined, false);
        assert.strictEqual(restricted.rotationIntervalDays, 90, 'restricted: a workspace cannot switch the age check off');
        assert.notStrictEqual(restricted.minArgon2.m, 8, 'restricted: nor lower the Argon2 floor');
        await cfg.update('autoCensusMaxEntries', 5, vscode.ConfigurationTarget.Workspace);
        assert.strictEqual(trustedSetting('encryptedLogs', 'autoCensusMaxEntries', { trusted: false }), 20000);
        assert.strictEqual(trustedSetting('encryptedLogs', 'autoCensusMaxEntries', { trusted: true }), 5);
      } finally {
        await cfg.update('keyLineages', undefined, vscode.ConfigurationTarget.Workspace);
        await cfg.update('keyLineages', undefined, vscode.ConfigurationTarget.Global);
        await cfg.update('policy.rotationIntervalDays', undefined, vscode.ConfigurationTarget.Workspace);
        await cfg.update('policy.minArgon2', undefined, vscode.ConfigurationTarget.Workspace);
        await cfg.update('autoCensusMaxEntries', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    it('clears the keys after the idle timeout (setting); the viewer still answers afterwards', async () => {
      const fx = fixture();
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      const p = await openViewer(fx.envelopeLog);
      await cfg.update('keyCacheIdleMinutes', 0.02, vscode.ConfigurationTarget.Global); // 1.2 s
      try {
        assert.strictEqual((await ask(p, 'getDetail', { index: 0 }))!.status, 'ok');
        const t = Date.now();
        await waitFor('the idle clear', () => api.audit.recent.some((e) => e.action === 'cache-cleared' && Date.parse(e.time) >= t), 15_000);
        assert.strictEqual((await ask(p, 'getDetail', { index: 1 }))!.status, 'ok', 'still answers after the clear');
      } finally {
        await cfg.update('keyCacheIdleMinutes', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('a Vault address in the workspace settings never gets the token (renewal, key listing)', async () => {
      const attacker = await startRecorder();
      const fx = fixture();
      const settingsFile = path.join(workspaceDir(), '.vscode', 'settings.json');
      const original = fs.readFileSync(settingsFile, 'utf8');
      const token = 'hvs.host-leak-test-token-0123456789';
      const ref = 'vault-transit:transit/stolen';
      try {
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', token);
        // what a cloned repository ships: its own Vault address and a vault key source
        fs.writeFileSync(settingsFile, JSON.stringify({ 'encryptedLogs.keySources': [...fx.keyRefs, ref], 'encryptedLogs.vault.address': attacker.url, 'encryptedLogs.vault.authMethod': 'token' }, null, 2));
        await waitFor('the workspace key source', () => api.engines.refs.includes(ref), 30_000);
        const notices = await api.vaultConsent.check();
        assert.ok(notices.some((n) => n.found.address === attacker.url && n.state === 'asked' && n.message.includes(attacker.url)), 'the warning names the address');
        await api.vaultRenewer.renewNow();
        await api.engines.versions();
        await new Promise((r) => setTimeout(r, 500));
        assert.deepStrictEqual(attacker.leaks(token), [], 'no token reached the workspace-chosen address');
        assert.strictEqual(attacker.received.length, 0, 'nothing at all reached it');
      } finally {
        fs.writeFileSync(settingsFile, original);
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', '');
        await waitFor('the original key sources', () => !api.engines.refs.includes(ref), 30_000);
        await attacker.close();
      }
    });
  });

  describe('a Vault address named by the workspace: consent per workspace', () => {
    it('warns naming it with "Allow for this workspace"; once allowed (globalState, audited) that exact address is used; a changed address is asked again and gets nothing', async () => {
      const vault = await startVaultDouble();
      const res = await fetch(`${vault.url}/v1/transit/keys/consent-t`, { method: 'POST', headers: { 'X-Vault-Token': vault.token }, body: '{}' });
      assert.ok(res.status === 200 || res.status === 204, String(res.status));
      const attacker = await startRecorder();
      const fx = fixture();
      const settingsFile = path.join(workspaceDir(), '.vscode', 'settings.json');
      const original = fs.readFileSync(settingsFile, 'utf8');
      const ref = 'vault-transit:transit/consent-t';
      const savedAddr = process.env.VAULT_ADDR;
      delete process.env.VAULT_ADDR;
      const writeSettings = (address: string): void =>
        fs.writeFileSync(settingsFile, `{\n  // a cloned repository's settings\n  "encryptedLogs.keySources": ${JSON.stringify([...fx.keyRefs, ref])},\n  "encryptedLogs.vault.address": "${address}",\n}\n`);
      try {
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', vault.token);
        writeSettings(vault.url);
        await waitFor('the workspace key source', () => api.engines.refs.includes(ref), 30_000);
        const asked = await waitFor('the notice', async () => (await api.vaultConsent.check()).find((n) => n.found.address === vault.url), 15_000);
        assert.strictEqual(asked.state, 'asked');
        assert.ok(asked.message.includes(`"${vault.url}"`), asked.message);
        assert.strictEqual(asked.found.owner.toString(), vscode.workspace.workspaceFolders![0]!.uri.toString());
        vault.resetRequests();
        const before = await api.engines.versions();
        assert.ok(before.errors.some((e) => e.ref === ref), 'not allowed yet: the source fails');
        assert.strictEqual(vault.requests.length, 0, 'not allowed yet: nothing reached the workspace address');

        await api.vaultConsent.allow(asked.found);
        const listed = await waitFor('versions through the allowed address', async () => {
          const snap = await api.engines.versions();
          return snap.keys.some((k) => k.sourceRef === ref) ? snap : false;
        }, 30_000);
        assert.deepStrictEqual(listed.keys.filter((k) => k.sourceRef === ref).map((k) => k.version), ['v1']);
        assert.ok(vault.requests.some((r) => r.path === '/v1/transit/keys/consent-t' && r.status === 200));
        const audited = api.audit.recent.find((e) => e.action === 'consent');
        assert.ok(audited && audited.detail!.includes(vault.url) && audited.detail!.includes(asked.found.owner.toString()), JSON.stringify(audited));
        assert.strictEqual((await api.vaultConsent.check()).find((n) => n.found.address === vault.url)?.state, 'allowed');
        assert.ok(!fs.readFileSync(settingsFile, 'utf8').includes('Consent'), 'the consent is not stored in the workspace');

        // withdrawn: asked again, not used
        const shownBefore = api.test!.warnings.length;
        assert.strictEqual(await vscode.commands.executeCommand('encryptedLogs.forgetVaultAddressConsent'), 1);
        const askedAgain = api.test!.warnings.slice(shownBefore).find((w) => w.message.includes(`"${vault.url}"`));
        assert.ok(askedAgain, `the warning is shown again: ${JSON.stringify(api.test!.warnings.slice(shownBefore))}`);
        assert.deepStrictEqual(askedAgain.actions, ['Allow for this workspace']);
        assert.ok(api.audit.recent.some((e) => e.action === 'consent' && e.detail?.includes('no longer allowed')));
        vault.resetRequests();
        await api.engines.versions();
        assert.strictEqual(vault.requests.length, 0, 'a withdrawn consent sends nothing');
        await api.vaultConsent.allow(asked.found);

        // the repository now names another address: not covered by the consent
        writeSettings(attacker.url);
        const again = await waitFor('the new notice', async () => (await api.vaultConsent.check()).find((n) => n.found.address === attacker.url), 15_000);
        assert.strictEqual(again.state, 'asked');
        await api.engines.versions();
        await api.vaultRenewer.renewNow().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
        assert.strictEqual(attacker.received.length, 0, 'nothing reached the changed address');
        assert.deepStrictEqual(attacker.leaks(vault.token), []);

        // an address that does not read as what it is (a bidi override) is never offered
        writeSettings(`http://127.0.0.1:${new URL(attacker.url).port}/\u202Egpj.exe`);
        const spoof = await waitFor('the spoof notice', async () => (await api.vaultConsent.check()).find((n) => n.found.address.includes('\u202E')), 15_000);
        assert.strictEqual(spoof.state, 'refused');
        assert.ok(spoof.message.includes('\\u{202e}') && !spoof.message.includes('\u202E'), spoof.message);
        await assert.rejects(api.vaultConsent.allow(spoof.found), /not an address that can be allowed/);
      } finally {
        fs.writeFileSync(settingsFile, original);
        if (savedAddr !== undefined) process.env.VAULT_ADDR = savedAddr;
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', '');
        await waitFor('the original key sources', () => !api.engines.refs.includes(ref), 30_000);
        await api.vaultConsent.check();
        await attacker.close();
        await vault.close();
      }
    });
  });

  describe('rotation-age status: key metadata only', () => {
    it('after a log was opened and the keys cleared, the status reads no Vault secret path and no key file content; an unusable key file is aged by stat', async () => {
      const vault = await startVaultDouble();
      const post = async (p: string, body: object): Promise<void> => {
        const res = await fetch(`${vault.url}/v1/${p}`, { method: 'POST', headers: { 'X-Vault-Token': vault.token }, body: JSON.stringify(body) });
        assert.ok(res.status === 200 || res.status === 204, `${p}: ${res.status}`);
      };
      await post('secret/data/host/age-kek', { data: { value: `kek-h1:${crypto.randomBytes(32).toString('base64')}` } });
      await post('secret/data/host/age-kek', { data: { value: `kek-h2:${crypto.randomBytes(32).toString('base64')}` } });
      await post('transit/keys/host-age', {});
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enclog-host-age-'));
      const loose = path.join(dir, 'old-kek.key');
      fs.writeFileSync(loose, `kek-h9:${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o644 }); // too open: never loaded
      const old = new Date(Date.now() - 400 * 86_400_000);
      fs.utimesSync(loose, old, old);
      const kvRef = 'vault-kv:secret/host/age-kek';
      const transitRef = 'vault-transit:transit/host-age';
      const fx = fixture();
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      // every path the extension host opens under dir (fs.promises is one object per process)
      const fsp = fs.promises as unknown as Record<string, (...a: unknown[]) => unknown>;
      const orig = { readFile: fsp.readFile, open: fsp.open };
      const opened: string[] = [];
      const spy = (name: 'readFile' | 'open') => (...a: unknown[]) => {
        if (String(a[0]).startsWith(dir)) opened.push(String(a[0]));
        return orig[name]!(...a);
      };
      try {
        await cfg.update('vault.address', vault.url, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', vault.token);
        await cfg.update('keySources', [...fx.keyRefs, kvRef, transitRef, `file:${loose}`], vscode.ConfigurationTarget.Workspace);
        await waitFor('the new key sources', () => api.engines.refs.includes(`file:${loose}`), 30_000);
        const p = await openViewer(fx.envelopeLog);
        // (an editor of this log may be open from an earlier test: it reopens its session after the settings change)
        await waitFor('the log decrypted with the keys', async () => (await ask(p, 'getDetail', { index: 0 }))?.status === 'ok', 30_000);
        await waitFor('the keys were loaded from Vault', () => vault.requests.some((r) => r.path.startsWith('/v1/secret/data/host/age-kek')), 30_000);

        // the viewer itself may load keys again (its pages); close it so only the status can ask Vault now
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await new Promise((r) => setTimeout(r, 500));
        await vscode.commands.executeCommand('encryptedLogs.clearKeyCache');
        vault.resetRequests();
        fsp.readFile = spy('readFile');
        fsp.open = spy('open');
        const overdue = await api.policyStatus.refresh();
        fsp.readFile = orig.readFile;
        fsp.open = orig.open;

        const paths = vault.requests.map((r) => `${r.method} ${r.path}`);
        assert.deepStrictEqual([...new Set(paths)].sort(), ['GET /v1/secret/metadata/host/age-kek', 'GET /v1/transit/keys/host-age'], 'metadata endpoints only');
        assert.deepStrictEqual(opened, [], 'the key file was not opened');
        const fileFinding = overdue.find((f) => f.sourceRef === `file:${loose}`);
        assert.ok(fileFinding, `the unusable key file is aged by stat: ${JSON.stringify(overdue.map((f) => f.message))}`);
        assert.match(fileFinding.message, /is 400 days old \(key file last modified /);
        assert.ok(!overdue.some((f) => f.sourceRef === kvRef || f.sourceRef === transitRef), 'Vault versions created now are not overdue');
        const item = api.test!.statusItem('encryptedLogs.policyStatus');
        assert.ok(item?.visible, 'the status bar item is shown');
        assert.match(item.text, /key(s)? due for rotation/);
        assert.ok(item.tooltip.includes('is 400 days old') && item.tooltip.includes('Click to rotate.'), item.tooltip);
        assert.ok(!api.audit.recent.some((e) => e.action === 'key-access' && e.detail?.includes('to list its versions')), 'nothing had to be read to list');
      } finally {
        fsp.readFile = orig.readFile;
        fsp.open = orig.open;
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.commands.executeCommand('encryptedLogs.setVaultToken', '');
        await cfg.update('keySources', fx.keyRefs, vscode.ConfigurationTarget.Workspace);
        await cfg.update('vault.address', undefined, vscode.ConfigurationTarget.Global);
        await waitFor('the original key sources', () => !api.engines.refs.includes(`file:${loose}`), 30_000);
        await api.policyStatus.refresh();
        await vault.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Vault AppRole', () => {
    it('logs in with the role id + stored secret id, lists vault-kv versions with the issued token, renews it, logs in again after a 403; the audit holds neither secret', async () => {
      const vault = await startVaultDouble({ approle: { tokenTtlS: 900 } });
      const seed = async (value: string): Promise<void> => {
        const res = await fetch(`${vault.url}/v1/secret/data/host/approle-kek`, { method: 'POST', headers: { 'X-Vault-Token': vault.token }, body: JSON.stringify({ data: { value } }) });
        assert.strictEqual(res.status, 200);
      };
      await seed(`kek-a1:${Buffer.alloc(32, 1).toString('base64')}`);
      await seed(`kek-a2:${Buffer.alloc(32, 2).toString('base64')}`);
      const ref = 'vault-kv:secret/host/approle-kek';
      const { roleId, secretId } = vault.approle;
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      const fx = fixture();
      const tokensSeen = new Set<string>();
      const listed = async (): Promise<string[] | false> => {
        const snap = await api.engines.versions();
        const labels = snap.keys.filter((k) => k.sourceRef === ref).map((k) => k.label);
        return labels.length ? labels : false;
      };
      try {
        await cfg.update('vault.address', vault.url, vscode.ConfigurationTarget.Global);
        await cfg.update('vault.authMethod', 'approle', vscode.ConfigurationTarget.Global);
        await cfg.update('vault.roleId', roleId, vscode.ConfigurationTarget.Global);
        await cfg.update('keySources', [...fx.keyRefs, ref], vscode.ConfigurationTarget.Workspace);
        assert.strictEqual(await vscode.commands.executeCommand('encryptedLogs.setVaultAppRoleSecret', secretId), true);

        // the first Vault use logs in; the issued token reads the KV versions
        assert.deepStrictEqual(await waitFor('vault-kv versions via approle', listed, 30_000), [`${ref}@v1`, `${ref}@v2`]);
        const first = api.engines.approle.issued;
        assert.ok(first, `an issued token is held: ${JSON.stringify(api.audit.recent.slice(-12))}`);
        assert.ok(vault.issued.has(first.token), 'the token came from the double');
        tokensSeen.add(first.token);
        assert.ok(vault.requests.some((r) => r.path === '/v1/auth/approle/login' && r.status === 200), 'logged in at auth/approle/login');
        const login = api.audit.recent.find((e) => e.detail?.startsWith('vault approle login (') && e.detail.includes(`accessor ${first.accessor}`));
        assert.ok(login, `the login is audited: ${JSON.stringify(api.audit.recent.slice(-10))}`);
        assert.match(login.detail!, new RegExp(`role id ${roleId}, accessor ${first.accessor}, ttl 900 s`));

        // renewal renews the issued token
        assert.strictEqual(await api.vaultRenewer.renewNow(), 900);
        assert.ok(vault.requests.some((r) => r.path === '/v1/auth/token/renew-self' && r.status === 200));
        assert.ok(api.audit.recent.some((e) => e.detail?.includes(`vault approle token renewed (ttl 900 s, accessor ${first.accessor})`)));

        // the token expires: the next Vault use gets 403, the host logs in once more and answers with the new token
        vault.expireIssuedTokens();
        assert.deepStrictEqual(await waitFor('versions after the re-login', listed, 30_000), [`${ref}@v1`, `${ref}@v2`]);
        const second = api.engines.approle.issued;
        assert.ok(second && second.token !== first.token, 'a new token after the 403');
        tokensSeen.add(second.token);
        assert.ok(api.audit.recent.some((e) => e.detail?.includes('after the previous token was rejected')), 'the re-login is audited');

        // a wrong secret id: a readable error for the source, no token
        await vscode.commands.executeCommand('encryptedLogs.setVaultAppRoleSecret', 'wrong-secret-id-0000');
        const denied = await waitFor('the login error', async () => {
          const snap = await api.engines.versions();
          return snap.errors.find((e) => e.ref === 'vault-approle:approle');
        }, 30_000);
        assert.match(denied.message, /denied the login at auth\/approle\/login \(400: invalid role or secret ID\)/);
        assert.strictEqual(api.engines.approle.issued, undefined);

        const audit = JSON.stringify(api.audit.recent);
        assert.ok(!audit.includes(secretId) && !audit.includes('wrong-secret-id-0000'), 'the audit never holds the secret id');
        for (const t of tokensSeen) assert.ok(!audit.includes(t), 'the audit never holds an issued token');
      } finally {
        await vscode.commands.executeCommand('encryptedLogs.setVaultAppRoleSecret', '');
        await cfg.update('keySources', fx.keyRefs, vscode.ConfigurationTarget.Workspace);
        await cfg.update('vault.authMethod', undefined, vscode.ConfigurationTarget.Global);
        await cfg.update('vault.roleId', undefined, vscode.ConfigurationTarget.Global);
        await cfg.update('vault.address', undefined, vscode.ConfigurationTarget.Global);
        await vault.close();
      }
    });
  });

  describe('rotation and policy from the palette', () => {
    it('plans, re-wraps and verifies a copy of the envelope log; kek-v1 entries move to kek-v2', async () => {
      const fx = fixture();
      const copy = path.join(os.tmpdir(), `enclog-host-rotate-${process.pid}.encrypted.log`);
      fs.copyFileSync(fx.envelopeLog, copy);
      const kekV2 = fx.keyRefs.find((r) => r.endsWith('kek-v2.key'))!;
      const kekV1 = fx.keyRefs.find((r) => r.endsWith('kek-v1.key'))!;
      try {
        const plan = await vscode.commands.executeCommand<{ files: { entriesByKey: Record<string, number>; wouldRewrite: number }[] }>('encryptedLogs.rotation.plan', [copy], kekV2);
        assert.ok(plan, 'a plan came back');
        const before = plan.files[0]!;
        const onV1 = Object.entries(before.entriesByKey).filter(([k]) => k.startsWith(kekV1)).reduce((n, [, c]) => n + c, 0);
        assert.ok(onV1 > 0, `the fixture has entries on kek-v1: ${JSON.stringify(before.entriesByKey)}`);
        assert.ok(before.wouldRewrite >= onV1);
        const ciphertextsBefore = fs.readFileSync(copy, 'utf8').match(/"ciphertext":"[^"]+"/g)!;

        const reports = await vscode.commands.executeCommand<{ status: string; fieldsRewritten: number }[]>('encryptedLogs.rotation.reencrypt', [copy], kekV2, { backup: false });
        assert.ok(reports && reports.length === 1, 'one report per file');
        assert.ok(['rotated', 'failed'].includes(reports[0]!.status), `status ${reports[0]!.status}`);
        assert.ok(reports[0]!.fieldsRewritten > 0);
        assert.deepStrictEqual(fs.readFileSync(copy, 'utf8').match(/"ciphertext":"[^"]+"/g), ciphertextsBefore, 'rewrap leaves data ciphertexts byte-identical');

        const after = await vscode.commands.executeCommand<{ files: { entriesByKey: Record<string, number> }[] }>('encryptedLogs.rotation.plan', [copy], kekV2);
        assert.deepStrictEqual(Object.keys(after!.files[0]!.entriesByKey).filter((k) => k.startsWith(kekV1)), [], 'nothing left on kek-v1');
        const verified = await vscode.commands.executeCommand<boolean>('encryptedLogs.rotation.verify', [copy], kekV2);
        assert.strictEqual(verified, fx.expect.envelope.failures === 0, 'verify is true only when every entry decrypts on the primary');
        assert.ok(api.audit.recent.some((e) => e.action === 'rotation'), 'the rotation is in the audit channel');
      } finally {
        for (const f of [copy, `${copy}.bak`]) fs.rmSync(f, { force: true });
      }
    });

    it('a settings change mid-rotation replaces the engine; the running rotation finishes on its snapshot', async () => {
      const fx = fixture();
      const copy = path.join(os.tmpdir(), `enclog-host-snapshot-${process.pid}.encrypted.log`);
      const lines = fs.readFileSync(fx.envelopeLog, 'utf8');
      fs.writeFileSync(copy, lines.repeat(Math.max(1, Math.ceil(20_000 / lines.split('\n').length))), { mode: 0o600 });
      const kekV2 = fx.keyRefs.find((r) => r.endsWith('kek-v2.key'))!;
      const cfg = vscode.workspace.getConfiguration('encryptedLogs');
      const kekV1 = fx.keyRefs.find((r) => r.endsWith('kek-v1.key'))!;
      type PlanResult = { files: { entriesByKey: Record<string, number> }[] };
      const unreadable = (p: PlanResult | undefined) => p!.files[0]!.entriesByKey.unknown ?? 0;
      const planBefore = await vscode.commands.executeCommand<PlanResult>('encryptedLogs.rotation.plan', [copy], kekV2);
      const gen0 = api.engines.gen;
      try {
        let settled = false;
        const run = Promise.resolve(
          vscode.commands.executeCommand<{ status: string; error: string | null; fieldsRewritten: number }[]>('encryptedLogs.rotation.reencrypt', [copy], kekV2, { backup: false }),
        ).finally(() => (settled = true));
        await new Promise((r) => setTimeout(r, 300));
        await cfg.update('keySources', [...fx.keyRefs].reverse(), vscode.ConfigurationTarget.Workspace);
        await waitFor('the engine replaced', () => (api.engines.gen > gen0 ? true : undefined), 10_000);
        assert.strictEqual(settled, false, 'the settings change came while the rotation was running');
        const reports = await run;
        assert.ok(reports?.[0], 'a report came back');
        assert.doesNotMatch(reports[0]!.error ?? '', /closed|disposed/i);
        assert.ok(['rotated', 'failed'].includes(reports[0]!.status), `status ${reports[0]!.status}: ${reports[0]!.error}`);
        assert.ok(reports[0]!.fieldsRewritten > 0, 'values were re-wrapped after the engine was replaced');
        // every value re-wrapped under the real kek-v2 (a key wiped mid-run would leave unreadable values)
        const planAfter = await vscode.commands.executeCommand<PlanResult>('encryptedLogs.rotation.plan', [copy], kekV2);
        assert.deepStrictEqual(Object.keys(planAfter!.files[0]!.entriesByKey).filter((k) => k.startsWith(kekV1)), [], 'nothing left on kek-v1');
        assert.strictEqual(unreadable(planAfter), unreadable(planBefore), 'no value became unreadable');
      } finally {
        await cfg.update('keySources', fx.keyRefs, vscode.ConfigurationTarget.Workspace);
        for (const f of [copy, `${copy}.bak`]) fs.rmSync(f, { force: true });
      }
    });

    it('re-encrypting a log another run holds: "rotation in progress (pid N)", the log untouched', async () => {
      const fx = fixture();
      const copy = path.join(os.tmpdir(), `enclog-host-locked-${process.pid}.encrypted.log`);
      fs.copyFileSync(fx.envelopeLog, copy);
      const lock = `${copy}.rotate-lock`;
      fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), start: null, at: 'now' }), { mode: 0o600 });
      const kekV2 = fx.keyRefs.find((r) => r.endsWith('kek-v2.key'))!;
      try {
        const before = fs.readFileSync(copy);
        const reports = await vscode.commands.executeCommand<{ status: string; error: string | null; errorCode: string | null; committed: boolean }[]>('encryptedLogs.rotation.reencrypt', [copy], kekV2, { backup: false });
        assert.strictEqual(reports?.[0]?.status, 'failed');
        assert.strictEqual(reports[0]!.errorCode, 'rotation-in-progress', 'the busy log is told by its code, not its message');
        assert.match(reports[0]!.error ?? '', new RegExp(`^rotation in progress \\(pid ${process.pid}, since now\\)`));
        assert.strictEqual(reports[0]!.committed, false);
        assert.ok(fs.readFileSync(copy).equals(before), 'the log is untouched');
        assert.ok(fs.existsSync(lock), "the other run's lock is left alone");
      } finally {
        for (const f of [copy, lock]) fs.rmSync(f, { force: true });
      }
    });

    it('Check Encryption Policy puts a plaintext LLM log in the Problems panel', async () => {
      const plain = path.join(workspaceDir(), `chat-${process.pid}.jsonl`);
      fs.writeFileSync(plain, Array.from({ length: 3 }, (_, i) => JSON.stringify({ ts: i, prompt: `what is ${i}+${i}?`, response: `${2 * i}` })).join('\n') + '\n');
      try {
        await vscode.commands.executeCommand('encryptedLogs.checkPolicy', { uris: [vscode.Uri.file(plain)], progress: false });
        const diags = await waitFor('policy diagnostics', () => {
          const d = vscode.languages.getDiagnostics(vscode.Uri.file(plain));
          return d.length > 0 ? d : undefined;
        }, 20_000);
        assert.ok(diags.some((d) => String(typeof d.code === 'object' ? d.code.value : d.code).includes('plaintext-llm-log')), JSON.stringify(diags.map((d) => d.code)));
        assert.strictEqual(diags[0]!.range.start.line, 0, 'the finding points at the first plaintext line');
      } finally {
        fs.rmSync(plain, { force: true });
      }
    });
  });

  describe('every command runs', () => {
    it('runs each contributed command without UI', async () => {
      const fx = fixture();
      const envUri = vscode.Uri.file(fx.envelopeLog);
      const out = path.join(os.tmpdir(), `enclog-export2-${process.pid}.jsonl`);
      const tree = await api.tree.getChildren();
      const lineage = tree.find((n) => n.kind === 'lineage')!;
      const ver = (await api.tree.getChildren(lineage))[0]!;
      const args: Record<string, unknown[]> = {
        'encryptedLogs.openWithViewer': [envUri],
        'encryptedLogs.addKeySource': ['env:ENCLOG_HOST_TEST_KEY', 'workspace'],
        'encryptedLogs.removeKeySource': ['env:ENCLOG_HOST_TEST_KEY'],
        'encryptedLogs.setVaultToken': ['s.host-test-token'],
        'encryptedLogs.setVaultAppRoleSecret': [''],
        'encryptedLogs.clearKeyCache': [],
        'encryptedLogs.revealEntry': [0, false],
        'encryptedLogs.exportFiltered': [vscode.Uri.file(out)],
        'encryptedLogs.showAuditLog': [],
        'encryptedLogs.refreshKeyVersions': [],
        'encryptedLogs.countEntriesPerKey': [],
        'encryptedLogs.countWorkspaceEntriesPerKey': [[envUri]],
        'encryptedLogs.nextFailure': [0],
        'encryptedLogs.previousFailure': [20],
        'encryptedLogs.search': ['Summary'],
        'encryptedLogs.reopenWithFormat': ['auto'],
        'encryptedLogs.tree.removeSource': [{ kind: 'message', text: 'not a source' }],
        'encryptedLogs.tree.copyLabel': [ver],
        'encryptedLogs.rotation.newKeyVersion': ['env:ENCLOG_HOST_TEST_NO_SUCH_KEY'],
        'encryptedLogs.rotation.plan': [[fx.envelopeLog], fx.keyRefs[3]],
        'encryptedLogs.rotation.reencrypt': [[fx.envelopeLog], fx.keyRefs[3], { dryRun: true }],
        'encryptedLogs.rotation.verify': [[fx.envelopeLog], fx.keyRefs[3]],
        'encryptedLogs.rotation.retire': ['env:ENCLOG_HOST_TEST_NO_SUCH_KEY', 'v1'],
        'encryptedLogs.rotation.purge': ['env:ENCLOG_HOST_TEST_NO_SUCH_KEY', 'v1', true],
        'encryptedLogs.checkPolicy': [{ uris: [envUri], progress: false }],
        'encryptedLogs.forgetVaultAddressConsent': [],
      };
      const ext = vscode.extensions.getExtension(EXT_ID)!;
      const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
      const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !(c in args));
      assert.deepStrictEqual(missing, [], 'every contributed command has a test invocation');
      for (const c of pkg.contributes.commands) {
        await vscode.commands.executeCommand(c.command, ...(args[c.command] ?? []));
        if (c.command === 'encryptedLogs.addKeySource') {
          await waitFor('ref added', () => api.engines.refs.includes('env:ENCLOG_HOST_TEST_KEY'), 10_000);
        }
        if (c.command === 'encryptedLogs.removeKeySource') {
          await waitFor('ref removed', () => !api.engines.refs.includes('env:ENCLOG_HOST_TEST_KEY'), 10_000);
        }
      }
      assert.strictEqual(await vscode.env.clipboard.readText(), (ver as Extract<KeyTreeNode, { kind: 'version' }>).info.label);
      assert.ok(fs.existsSync(out));
      fs.rmSync(out, { force: true });
      assert.ok(api.audit.recent.some((e) => e.action === 'cache-cleared'));
      // the settings round trip left the workspace as it was
      assert.deepStrictEqual(api.engines.refs, fx.keyRefs);
    });
  });
});
