import assert from 'node:assert/strict';
import { defaultMaskOptions } from '../../../src/core/masking';
import type { KeyVersionInfo, LogRecord } from '../../../src/core/model';
import { conversationKeyOf, conversationOf, keyDisplay, RowContentCache, rowOf, type LogView } from '../../../src/core/view';
import { writeTestLog, type TestLog } from './fixture';

const EMAIL = 'alice.jones@example.com';
const CARD = '4111 1111 1111 1111';

describe('rows: masked previews, tokens, key id and version', () => {
  let log: TestLog;
  let view: LogView;
  before(async () => {
    log = await writeTestLog([
      { request: { prompt: `Write to ${EMAIL}\nnow`, tool_name: null }, response: { content: `Card ${CARD} charged` }, tokens: [120, 30] },
      { request: { prompt: `\u001b]52;c;${'A'.repeat(5000)}\u0007 ${'word '.repeat(2000)}` }, response: { content: '\u202eevil' } },
      { keyId: 'kek-v7' },
      { request: { prompt: `${'word '.repeat(400_000)}` }, response: { content: 'short' } },
    ]);
    view = await log.open();
  });
  after(() => log.cleanup());

  const info: KeyVersionInfo = { sourceRef: 'file:/keys/kek-v1.key', version: 'kek-v1', label: 'file:/keys/kek-v1.key', kind: 'kek', keyId: 'kek-v1', order: 1, role: 'primary' };

  function rows(mask = defaultMaskOptions()) {
    const cache = new RowContentCache();
    return async (indices: number[]) => {
      const recs = await view.recordsAt(indices);
      await view.decrypt(indices, { records: recs });
      return indices.map((i) =>
        rowOf(view, recs.get(i)!, i, {
          mask,
          keyInfo: () => info,
          content: (x) => {
            const e = view.cached(x);
            return e ? cache.of(e, mask) : undefined;
          },
        }),
      );
    };
  }

  it('previews come from the masked entry: no e-mail, no card, one line', async () => {
    const [r] = await rows()([0]);
    assert.equal(r!.status, 'ok');
    assert.equal(r!.prompt, 'Write to [EMAIL] now');
    assert.match(r!.response!, /^Card \[CARD\] charged$/);
    assert.ok(!JSON.stringify(r).includes(EMAIL) && !JSON.stringify(r).includes('4111'));
    assert.deepEqual([r!.inputTokens, r!.outputTokens, r!.tokens], [120, 30, 150]);
    assert.equal(r!.keyText, 'kek-v1');
    assert.match(r!.keyTitle!, /source: file:\/keys\/kek-v1\.key/);
  });

  it('hostile content: escapes shown as text, bidi neutralised, preview bounded', async () => {
    const [r] = await rows()([1]);
    assert.ok(r!.prompt!.startsWith('\\x1b]52;c;'), r!.prompt!.slice(0, 30));
    assert.ok(r!.prompt!.length <= 161);
    assert.equal(r!.response, '\\u{202e}evil');
  });

  it('a 2 MB prompt: its preview is one bounded line (or withheld when masking runs out of time), the response still shows', async () => {
    const [r] = await rows()([3]);
    assert.ok(r!.prompt === '[WITHHELD]' || (r!.prompt!.startsWith('word word') && r!.prompt!.endsWith('…') && r!.prompt!.length <= 161), r!.prompt!.slice(0, 40));
    assert.equal(r!.response, 'short');
  });

  it('a failed entry names the key id it records; pending rows carry no preview', async () => {
    const recs = await view.recordsAt([2]);
    const pending = rowOf(view, recs.get(2)!, 0, { mask: defaultMaskOptions(), keyInfo: () => undefined, content: () => undefined });
    assert.equal(pending.status, 'pending');
    assert.equal(pending.prompt, null);
    assert.equal(pending.keyText, 'kek-v7', 'the key id is in the record before decryption');
    const [failed] = await rows()([2]);
    assert.equal(failed!.status, 'error');
    assert.equal(failed!.reason, 'no-key');
    assert.match(failed!.keyTitle!, /no configured key opened it/);
    assert.ok(failed!.error && failed!.error.length > 0);
  });

  it('key display: transit version, Symbiont key named by its source', () => {
    const transit = { fields: [{ kind: 'transit', path: ['x'], ciphertext: 'vault:v3:abc', version: 3 }] } as unknown as LogRecord;
    assert.equal(keyDisplay(transit, 'vault-transit:transit/logs', undefined).text, 'transit/logs · v3'.replace('transit/logs', 'vault-transit:transit/logs'));
    const sym = { fields: [{ kind: 'symbiont', path: [], data: {} }] } as unknown as LogRecord;
    const symInfo: KeyVersionInfo = { sourceRef: 'file:/k/symbiont-2025.key', version: 'current', label: 'file:/k/symbiont-2025.key', kind: 'symbiont', order: 1, role: 'primary' };
    assert.equal(keyDisplay(sym, symInfo.label, symInfo).text, 'symbiont-2025');
    const kv: KeyVersionInfo = { sourceRef: 'vault-kv:secret/kek', version: 'v3', label: 'vault-kv:secret/kek@v3', kind: 'kek', keyId: 'kek-v2', order: 3, role: 'decrypt-only' };
    assert.equal(keyDisplay(undefined, kv.label, kv).text, 'kek-v2 · v3');
  });
});

describe('conversations: one session / trace / agent as a transcript', () => {
  let log: TestLog;
  let view: LogView;
  before(async () => {
    log = await writeTestLog([
      { request: { prompt: `hello from ${EMAIL}` }, response: { content: 'hi' }, metadata: { session: 's-1' }, time: '2025-01-01T00:00:05Z' },
      { request: { prompt: 'other session' }, metadata: { session: 's-2' } },
      {
        request: { prompt: 'look it up', tool_name: 'search', tool_arguments: { q: 'x', account: '__u64__' } },
        response: { content: 'found it', tool_result: { hits: 1 } },
        metadata: { session: 's-1' },
        time: '2025-01-01T00:00:01Z',
      },
      { request: { prompt: 'huge ' + 'y'.repeat(100_000) }, response: null, error: 'model failed', metadata: { session: 's-1' }, time: '2025-01-01T00:00:09Z' },
      { request: { prompt: 'traced' }, extra: { trace_id: 't-9' }, agent: 'agent-2' },
      { request: { prompt: 'agent only' }, agent: 'agent-2' },
      { request: { prompt: 'agent only again' }, agent: 'agent-2' },
    ]);
    view = await log.open();
  });
  after(() => log.cleanup());

  it('keys: session in metadata, trace id at the top level, else the agent', async () => {
    const recs = await view.recordsAt([0, 4, 5]);
    assert.deepEqual(conversationKeyOf(recs.get(0)!), { field: 'session', value: 's-1' });
    assert.deepEqual(conversationKeyOf(recs.get(4)!), { field: 'trace_id', value: 't-9' });
    assert.deepEqual(conversationKeyOf(recs.get(5)!), { field: 'agent_id', value: 'agent-2' });
  });

  it('the transcript is the session in time order — prompt, tool call, tool result, response — masked and bounded', async () => {
    const c = await conversationOf(view, 0, defaultMaskOptions(), new AbortController().signal);
    assert.deepEqual(c.key, { field: 'session', value: 's-1' });
    assert.deepEqual(c.entries, [2, 0, 3]);
    assert.deepEqual(c.items.map((i) => `${i.index}:${i.role}`), ['2:prompt', '2:tool-call', '2:tool-result', '2:response', '0:prompt', '0:response', '3:prompt', '3:error']);
    const call = c.items[1]!;
    assert.equal(call.title, 'search');
    assert.match(call.text, /"account": 12345678901234567/);
    assert.equal(c.items[4]!.text, 'hello from [EMAIL]');
    assert.ok(!JSON.stringify(c).includes(EMAIL));
    const huge = c.items[6]!;
    assert.equal(huge.text.length, 4000);
    assert.equal(huge.cut, 'huge '.length + 100_000 - 4000);
    assert.match(c.items[7]!.text, /model failed/);
  });

  it('limits: nearest entries only, and says so', async () => {
    const c = await conversationOf(view, 5, defaultMaskOptions(), new AbortController().signal, { window: 1, maxEntries: 1, maxChars: 100 });
    assert.deepEqual(c.entries, [5]);
    assert.equal(c.truncated, true);
  });
});
