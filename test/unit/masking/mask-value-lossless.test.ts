import assert from 'node:assert/strict';
import { maskedEntryJson, maskEntry } from '../../../src/core/entry-json';
import { parseJson, stringifyJson } from '../../../src/core/json';
import { defaultMaskOptions, unmaskedOptions } from '../../../src/core/masking';
import { maskBudget, maskValue, WITHHELD_MARKER } from '../../../src/core/masking/mask-value';
import { emptyRecord } from '../../../src/core/formats/record-base';
import type { DecryptedEntry, LogRecord } from '../../../src/core/model';

const masked = (text: string) => stringifyJson(maskValue(parseJson(text), defaultMaskOptions()).value);

function entry(request: unknown, record: Partial<LogRecord> = {}): DecryptedEntry {
  const rec = { ...emptyRecord(0, 0), id: 'e1', ...record };
  return { index: 0, line: 0, id: 'e1', timestamp: null, record: rec, status: 'ok', key: 'env:K', request, response: null, error: null, reason: null };
}

describe('maskValue over the lossless tree', () => {
  it('keeps every number it does not mask exactly as written, and duplicate keys in place', () => {
    const t = '{"id":12345678901234567,"r":1.0,"x":1.5e300,"z":-0,"d":1,"d":2,"10":"a","2":"b"}';
    assert.equal(masked(t), t);
  });

  it('masks a number whose text is PII (a card stored as a JSON number) into the marker string', () => {
    assert.equal(masked('{"n":4111111111111111,"ok":9007199254740993}'), '{"n":"[CARD]","ok":9007199254740993}');
    assert.equal(stringifyJson(maskValue({ n: 4111111111111111 }, defaultMaskOptions()).value), '{"n":"[CARD]"}');
  });

  it('masks object keys (an email used as a key); the value is masked on its own merits', () => {
    assert.equal(masked('{"jane@corp.example":{"note":"hi"}}'), '{"[EMAIL]":{"note":"hi"}}');
    assert.equal(masked('{"a@b.io":1,"c@d.io":2}'), '{"[EMAIL]":1,"[EMAIL]":2}', 'two masked keys stay two members');
    assert.deepEqual(maskValue({ 'a@b.io': 1, 'c@d.io': 2 }, defaultMaskOptions()).value, { '[EMAIL]': 1, '[EMAIL] #2': 2 }, 'in a plain object too');
  });

  it('sensitive keys hide whole values, lossless nodes included', () => {
    assert.equal(masked('{"password":12345678901234567,"token":{"a":1},"secret":[],"api_key":null}'), '{"password":"[SECRET]","token":"[SECRET]","secret":[],"api_key":null}');
  });

  it('walks 100,000 levels without recursion, masked or not', () => {
    const t = '['.repeat(100_000) + '"a@b.io"' + ']'.repeat(100_000);
    assert.equal(masked(t), '['.repeat(100_000) + '"[EMAIL]"' + ']'.repeat(100_000));
    assert.equal(stringifyJson(maskValue(parseJson(t), unmaskedOptions()).value), t);
    const plain = JSON.parse('{"a":'.repeat(50_000) + '"a@b.io"' + '}'.repeat(50_000)) as unknown;
    assert.ok(stringifyJson(maskValue(plain, defaultMaskOptions()).value).includes('"[EMAIL]"'));
  });

  it('a spent budget withholds what was not scanned, says so, and never leaks it', () => {
    const budget = maskBudget(0);
    const r = maskValue(parseJson('{"a":"jane@corp.example","n":4111111111111111,"k@x.io":true}'), defaultMaskOptions(), budget);
    assert.ok(budget.exceeded);
    const out = stringifyJson(r.value);
    assert.equal(out, `{"${WITHHELD_MARKER}":"${WITHHELD_MARKER}","${WITHHELD_MARKER}":"${WITHHELD_MARKER}","${WITHHELD_MARKER}":true}`);
  });
});

describe('masked entries: plaintext fields and the JSON line', () => {
  it('masks the record error, the model name and metadata values', () => {
    const e = entry(parseJson('{"prompt":"x"}'), { error: 'upstream 500 for jane@corp.example', modelIdentifier: 'ft:gpt-4o:jane@corp.example', metadata: { user: 'jane@corp.example', session: 's-1' } });
    const m = maskEntry(e, defaultMaskOptions());
    assert.equal(m.plain.error, 'upstream 500 for [EMAIL]');
    assert.equal(m.plain.model, 'ft:gpt-4o:[EMAIL]');
    assert.deepEqual(m.plain.metadata, { user: '[EMAIL]', session: 's-1' });
    const line = JSON.parse(maskedEntryJson(e, defaultMaskOptions())) as Record<string, unknown>;
    assert.equal(line.error, 'upstream 500 for [EMAIL]');
    assert.ok(!maskedEntryJson(e, defaultMaskOptions()).includes('jane@'));
    assert.equal(line.masking, undefined);
  });

  it('an entry over its budget says so in its JSON line and shows nothing unscanned', () => {
    const e = entry(parseJson('{"prompt":"mail jane@corp.example"}'), { error: 'jane@corp.example' });
    const line = maskedEntryJson(e, defaultMaskOptions(), maskBudget(0));
    assert.ok(!line.includes('jane@'), line);
    assert.match(String((JSON.parse(line) as { masking?: string }).masking), /over-budget/);
    assert.ok(maskEntry(e, defaultMaskOptions(), maskBudget(0)).overBudget);
  });

  it('writes decrypted values digit for digit', () => {
    const req = '{"prompt":"ids","tool_arguments":{"id":12345678901234567,"f":1.0}}';
    const line = maskedEntryJson(entry(parseJson(req)), defaultMaskOptions());
    assert.ok(line.includes(`"request":${req}`), line);
  });
});
