import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { stringifyJson } from '../../../src/core/json';
import { Output, terminalSafe, terminalSafeJson, terminalSafeJsonText, terminalSafeValue } from '../../../src/cli/output';

const OSC52 = '\x1b]52;c;aGVsbG8gd29ybGQ=\x07';
const CLEAR = '\x1b[2J\x1b[3J\x1b[H';
const C1_CSI = '\u009b2J';

describe('cli/output: log content never drives the terminal', () => {
  it('escapes ESC, BEL, C1 and bidi controls; keeps tab, newline and ordinary Unicode', () => {
    const s = terminalSafe(`a${OSC52}b${CLEAR}c${C1_CSI}\u202eevil\tok\nnext é 漢 🔑`);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/.test(s), s);
    assert.equal(s, 'a\\x1b]52;c;aGVsbG8gd29ybGQ=\\x07b\\x1b[2J\\x1b[3J\\x1b[Hc\\x9b2J\\u{202e}evil\tok\nnext é 漢 🔑');
    assert.equal(terminalSafeValue('one\ntwo\r'), 'one\\ntwo\\x0d');
  });

  it('JSON output stays exact: the same value parses back, with no raw control byte', () => {
    const value = { model: `m${OSC52}`, error: `${CLEAR}${C1_CSI}\u007f\u2028`, big: '18446744073709551615', nested: { s: '\u0000\u001f' } };
    const text = terminalSafeJson(value);
    assert.ok(!/[\u0000-\u001f\u007f-\u009f\u2028]/.test(text), text);
    assert.deepEqual(JSON.parse(text), value);
  });

  it('runs in linear time on a hostile line (1 MB of ESC)', () => {
    const hostile = '\x1b['.repeat(500_000);
    const t = process.hrtime.bigint();
    const out = terminalSafe(hostile);
    assert.equal(out.length, hostile.length * 2.5);
    assert.ok(Number(process.hrtime.bigint() - t) / 1e6 < 2000);
  });

  it('Output escapes lines and warnings, not JSON values', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const o = new Output(out, err);
    await o.line(`x${OSC52}`);
    await o.json({ v: `x${OSC52}` });
    o.warn(`w${CLEAR}`);
    const stdout = String(out.read());
    const stderr = String(err.read());
    assert.ok(!stdout.includes('\x1b') && !stderr.includes('\x1b'));
    assert.deepEqual(JSON.parse(stdout.split('\n')[1]), { v: `x${OSC52}` });
  });

  it('lossless JSON text (decrypt --json) is escaped as JSON, byte-exact numbers kept', async () => {
    const text = `{"id":12345678901234567,"m":${JSON.stringify(`x${C1_CSI}\u007f`)}}`;
    const out = new PassThrough();
    await new Output(out, new PassThrough()).jsonText(text);
    const line = String(out.read()).trimEnd();
    assert.ok(!/[\u007f-\u009f]/.test(line), line);
    assert.ok(line.includes('12345678901234567'), 'the integer is not rounded');
    assert.equal(terminalSafeJsonText(stringifyJson({ a: '\u0085' })), '{"a":"\\u0085"}');
    assert.deepEqual(JSON.parse(line.replace('12345678901234567', '0')).m, `x${C1_CSI}\u007f`);
  });
});
