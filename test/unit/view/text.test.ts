import assert from 'node:assert/strict';
import { parseJson } from '../../../src/core/json';
import { answerOf, compactJson, oneLine, promptPreview, responsePreview, boundedBlock } from '../../../src/core/view';

describe('view text: bounded, display-safe previews', () => {
  it('one line: whitespace runs collapse, controls and bidi overrides become escapes', () => {
    assert.equal(oneLine('  hello\n\n\tworld  '), 'hello world');
    assert.equal(oneLine('a\u001b]52;c;ZXZpbA==\u0007b'), 'a\\x1b]52;c;ZXZpbA==\\x07b');
    assert.equal(oneLine('x\u009bmy\u202eevil'), 'x\\x9bmy\\u{202e}evil');
  });

  it('cuts at max characters with an ellipsis, never splitting a surrogate pair', () => {
    assert.equal(oneLine('abcdef', 3), 'abc…');
    assert.equal(oneLine('abc', 3), 'abc');
    assert.equal(oneLine('abc   ', 3), 'abc');
    const cut = oneLine('ab😀cd', 3);
    assert.equal(cut, 'ab😀…');
    assert.ok(!/[\ud800-\udbff]$/.test(cut.replace('…', '')));
  });

  it('reads a bounded prefix (8 × max characters), however long the value', () => {
    // a tail past the prefix would show if it were read
    assert.equal(oneLine(' '.repeat(81) + 'tail', 10), '…');
    assert.equal(oneLine(' '.repeat(76) + 'tail', 10), 'tail');
    assert.equal(oneLine('x'.repeat(20_000_000), 160).length, 161);
  });

  it('compact JSON: iterative at 100,000 levels, and only the first members of a huge container are touched', () => {
    const deep = parseJson('['.repeat(100_000) + ']'.repeat(100_000));
    assert.equal(compactJson(deep, 50), '['.repeat(50));
    let touched = 0;
    const wide = new Proxy(Array.from({ length: 1_000_000 }, (_, i) => i), {
      get(t, k, r) {
        if (typeof k === 'string' && /^\d+$/.test(k)) touched++;
        return Reflect.get(t, k, r);
      },
    });
    assert.equal(compactJson(wide, 20), '[0, 1, 2, 3, 4, 5, 6');
    assert.ok(touched <= 40, `${touched} members read`);
  });

  it('compact JSON keeps numbers as written and duplicate keys', () => {
    assert.equal(compactJson(parseJson('{"a":12345678901234567,"a":1.0,"b":[true,null]}')), '{"a": 12345678901234567, "a": 1.0, "b": [true, null]}');
  });

  it('blocks keep newlines and tabs, escape the rest, and say how much was cut', () => {
    assert.deepEqual(boundedBlock('l1\n\tl2\u001b[2J', 100), { text: 'l1\n\tl2\\x1b[2J', cut: 0 });
    assert.deepEqual(boundedBlock('abcdef', 4), { text: 'abcd', cut: 2 });
  });
});

describe('view content: what an entry says, in any logged shape', () => {
  it('prompt previews: prompt field, last chat message, tool call, bare string', () => {
    assert.equal(promptPreview(parseJson('{"prompt":"Summarise  this\\nreport"}')), 'Summarise this report');
    assert.equal(promptPreview(parseJson('{"messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"hi there"}]}]}')), 'hi there');
    assert.equal(promptPreview(parseJson('{"prompt":null,"tool_name":"search","tool_arguments":{"q":"x","n":12345678901234567}}')), 'search({"q": "x", "n": 12345678901234567})');
    assert.equal(promptPreview('plain text'), 'plain text');
    assert.equal(promptPreview(null), null);
  });

  it('response previews: content, first choice, tool result, else JSON', () => {
    assert.equal(responsePreview(parseJson('{"content":"the answer"}')), 'the answer');
    assert.equal(responsePreview(parseJson('{"choices":[{"message":{"role":"assistant","content":"from choices"}}]}')), 'from choices');
    assert.equal(responsePreview(parseJson('{"content":null,"tool_result":{"hits":2}}')), '→ {"hits": 2}');
    assert.equal(responsePreview(parseJson('{"other":1}')), '{"other": 1}');
    assert.equal(answerOf(parseJson('{"output":"o"}')), 'o');
  });
});
