import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { JsonNumber, JsonObject, JsonSyntaxError, parseJson, stringifyJson, toPlain } from '../../../src/core/json';

const roundTrip = (t: string) => stringifyJson(parseJson(t));

describe('lossless JSON (src/core/json)', () => {
  it('keeps every number exactly as written', () => {
    for (const t of ['12345678901234567', '-9223372036854775808', '18446744073709551615', '1.0', '1.50', '1.5e300', '1E+2', '-0', '0.1e-7', '123456789012345678901234567890.000000000000001']) {
      assert.equal(roundTrip(t), t);
      assert.equal(roundTrip(`{"v":[${t}]}`), `{"v":[${t}]}`);
    }
    const n = parseJson('12345678901234567');
    assert.ok(n instanceof JsonNumber);
    assert.equal(n.text, '12345678901234567');
  });

  it('keeps duplicate keys, key order and index-like keys', () => {
    const t = '{"b":1,"a":2,"b":3,"10":4,"0":5,"__proto__":{"x":1}}';
    assert.equal(roundTrip(t), t);
    const o = parseJson(t) as JsonObject;
    assert.equal((o.get('b') as JsonNumber).text, '3', 'get() sees the last duplicate, as JSON.parse does');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it('decodes strings as JSON.parse does and re-escapes them canonically', () => {
    const t = String.raw`"a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\ud83d\ude00\ud800 \u2028"`;
    assert.equal(parseJson(t), JSON.parse(t));
    assert.equal(roundTrip(t), JSON.stringify(JSON.parse(t)));
  });

  it('drops insignificant whitespace only', () => {
    assert.equal(roundTrip(' {\n "a" : [ 1.0 , true, false, null, "x" ] ,\t"b":{} , "c":[]}\r\n'), '{"a":[1.0,true,false,null,"x"],"b":{},"c":[]}');
  });

  it('agrees with JSON.parse on random JSON (values and compact text)', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (t) => {
        assert.equal(roundTrip(t), t);
        assert.deepEqual(toPlain(parseJson(t)), JSON.parse(t));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects what JSON.parse rejects, with the position', () => {
    const bad: Array<[string, number]> = [
      ['', 0], ['{', 1], ['{"a"}', 4], ['{"a":1,}', 7], ['[1,]', 3], ['[1 2]', 3], ['01', 1], ['1.', 2], ['1e', 2], ['-', 1],
      ['"abc', 4], ['"a\nb"', 2], ['"\\x"', 1], ['"\\u12G4"', 1], ['tru', 0], ['{"a":1} x', 8], ['NaN', 0], ["{'a':1}", 1], ['+1', 0],
    ];
    for (const [t, pos] of bad) {
      assert.throws(() => JSON.parse(t), `JSON.parse accepts ${t}`);
      assert.throws(() => parseJson(t), (e: unknown) => e instanceof JsonSyntaxError && e.position === pos && /line 1, column/.test(e.message), t);
    }
    assert.throws(() => parseJson('{\n  "a": 1,\n  "b" 2}'), /line 3, column 7/);
  });

  it('agrees with JSON.parse on whether random text is JSON', () => {
    const alphabet = fc.constantFrom(...'{}[]",:0123456789.eE+-tfnrulasx \\u\n'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }).map((a) => a.join('')), (t) => {
        let ok = true;
        try {
          JSON.parse(t);
        } catch {
          ok = false;
        }
        let mine = true;
        try {
          parseJson(t);
        } catch (e) {
          assert.ok(e instanceof JsonSyntaxError);
          mine = false;
        }
        assert.equal(mine, ok, t);
      }),
      { numRuns: 3000 },
    );
  });

  it('parses and writes 200,000 levels of nesting without recursion, in linear time', () => {
    for (const [open, close] of [['[', ']'], ['{"a":', '}']]) {
      const t = open.repeat(200_000) + '0' + close.repeat(200_000);
      const t0 = performance.now();
      assert.equal(roundTrip(t), t);
      assert.ok(performance.now() - t0 < 5000);
    }
  });

  it('writes plain JavaScript values like JSON.stringify', () => {
    const v = { a: [1, 'x', null, undefined, NaN], b: undefined, c: { d: true }, e: new JsonNumber('1.0') };
    assert.equal(stringifyJson(v), '{"a":[1,"x",null,null,null],"c":{"d":true},"e":1.0}');
  });
});
