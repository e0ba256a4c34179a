import assert from 'node:assert/strict';
import { defaultMaskOptions } from '../../../src/core/masking';
import { copyText, entryDetail, maskingLabel, MaskState, validLayout, type LogView } from '../../../src/core/view';
import { U64, writeTestLog, type TestLog } from './fixture';

const EMAIL = 'alice.jones@example.com';

describe('editor state: layout, masking choices, what copies hold', () => {
  it('a stored layout is taken field by field; anything else is refused', () => {
    assert.deepEqual(validLayout({ columns: [{ id: 'prompt', width: 333.4, hidden: false }, { id: 'agent', width: null, hidden: true }], sort: { column: 'tokens', descending: true } }), {
      columns: [{ id: 'prompt', width: 333, hidden: false }, { id: 'agent', width: null, hidden: true }],
      sort: { column: 'tokens', descending: true },
    });
    assert.deepEqual(validLayout({ columns: [{ id: 'time', width: 1e9, hidden: 'yes' }], sort: { column: 'agent', descending: true } }), { columns: [{ id: 'time', width: 2000, hidden: false }], sort: null });
    for (const bad of [null, 'x', { columns: 'x' }, { columns: [{ id: '<img src=x onerror=alert(1)>' }] }, { columns: Array.from({ length: 33 }, () => ({ id: 'a' })) }, { columns: [null] }]) assert.equal(validLayout(bad), null, JSON.stringify(bad));
  });

  it('mask state: all masked at first; a change names what it would unmask; unknown categories are dropped', () => {
    const m = new MaskState();
    assert.deepEqual(m.unmasked(), []);
    assert.ok(m.states().every((s) => s.masked));
    const c = m.change({ email: false, phone: true, bogus: false, ssn: 'no' });
    assert.deepEqual(c.known, [['email', false], ['phone', true]]);
    assert.deepEqual(c.unmasking, ['email']);
    m.apply(c.known);
    assert.deepEqual(m.unmasked(), ['email']);
    assert.equal(m.options().enabled.email, false);
    assert.deepEqual(m.change({ email: false }).unmasking, [], 'already unmasked: no second confirmation');
    assert.equal(maskingLabel(false, m.unmasked()), 'masked except email');
    assert.equal(maskingLabel(true, []), 'unmasked');
  });

  describe('copies and details of a real entry', () => {
    let log: TestLog;
    let view: LogView;
    before(async () => {
      log = await writeTestLog([{ request: { prompt: `mail ${EMAIL}`, tool_arguments: { n: '__u64__' } }, response: { content: `reply to ${EMAIL}` } }]);
      view = await log.open();
    });
    after(() => log.cleanup());

    it('masked unless revealed; numbers as written', async () => {
      const e = (await view.entry(0))!;
      assert.equal(copyText(e, 'prompt', defaultMaskOptions(), false), 'mail [EMAIL]');
      assert.equal(copyText(e, 'response', defaultMaskOptions(), false), 'reply to [EMAIL]');
      assert.equal(copyText(e, 'prompt', defaultMaskOptions(), true), `mail ${EMAIL}`);
      const entry = copyText(e, 'entry', defaultMaskOptions(), false);
      assert.ok(entry.includes(`"n": ${U64}`) || entry.includes(`"n":${U64}`), entry);
      assert.ok(!entry.includes(EMAIL));
      assert.match(entry, /"masking": ?"masked"/);
      const d = entryDetail(e, false, defaultMaskOptions());
      assert.ok(!String(d.requestJson).includes(EMAIL) && !d.revealed);
      assert.ok(String(entryDetail(e, true, defaultMaskOptions()).requestJson).includes(EMAIL));
      assert.equal(d.keyText, 'kek-v1');
      assert.match(String(d.keyTitle), /source: file:.*kek-v1\.key/);
      assert.ok(!entry.includes('keyTitle'), 'the copy carries the key label, not the tooltip');
    });
  });
});
