import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultMaskOptions, maskText, maskValue, MASK_CATEGORIES, optionsForCategories, type MaskOptions } from '../../../src/core/masking';

const custom = [{ name: 'emp', pattern: 'EMP-\\d{6}' }];

/** Fragments that trigger the detectors, glued with arbitrary text so boundaries get exercised. */
const fragment = fc.constantFrom(
  'a@b.io', 'x.y+z@mail.example.com', '+1 (555) 123-4567', '555-123-4567', '+44 20 7946 0958', '123-45-6789',
  '4111 1111 1111 1111', '4111111111111111', 'sk-abc123def456ghi789jkl0', 'ghp_' + 'a1'.repeat(18), 'AKIAIOSFODNN7EXAMPLE',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'Bearer abcdef0123456789', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
  '192.168.0.1', '999.1.1.1', '2001:db8::1', '"password":"pw"', '"token": 12', 'password=hunter2', '[REDACTED:EMAIL]',
  'Bearer [REDACTED]', 'api_key=[REDACTED]', '"***"', '[EMAIL]', '[CUSTOM:emp]', 'EMP-123456', '@', '.', '-', ':', '"', '=', ' ', '\n', '[', ']', '1', 'a',
  // encodings the engine decodes (issue 12)
  '\\u0040', '\\"', '\\\\', '%40', '%22', '&#64;', '&amp;', '＠', '４１１１', '４', 'am9obkBleGFtcGxlLmNvbQ==', '{\\"password\\":\\"x\\"}',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'Basic YWRtaW46cHc=', 'Cookie: a=b', '<password>', 'password is "x1"', '://u:p@h', '4155550132',
);
const mixed = fc.array(fc.oneof(fragment, fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 12 }).map((a) => a.join(''));
const optionsArb: fc.Arbitrary<MaskOptions> = fc.subarray([...MASK_CATEGORIES]).map((cs) => optionsForCategories(cs, custom));

describe('masking properties', () => {
  it('is idempotent on text: mask(mask(x)) == mask(x)', () => {
    fc.assert(
      fc.property(mixed, optionsArb, (s, opts) => {
        const once = maskText(s, opts).text;
        assert.equal(maskText(once, opts).text, once);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary strings, and its spans point at their markers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), mixed), (s) => {
        const r = maskText(s, defaultMaskOptions(custom));
        let last = 0;
        for (const span of r.spans) {
          assert.ok(span.start >= last && span.end > span.start && span.end <= r.text.length);
          assert.equal(r.text.slice(span.start, span.end), span.marker);
          last = span.end;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves text without any trigger unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z ,!?']{0,60}$/), (s) => assert.equal(maskText(s, defaultMaskOptions()).text, s)),
    );
  });

  it('is idempotent and never throws on arbitrary JSON values, without mutating them', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).chain((v) =>
      fc.oneof(
        fc.constant(v),
        fc.dictionary(fc.constantFrom('password', 'email', 'prompt', 'max_tokens', 'cvv', 'args'), fc.oneof(fc.constant(v), mixed)),
      ),
    );
    fc.assert(
      fc.property(json, optionsArb, (v, opts) => {
        const before = JSON.stringify(v);
        const once = maskValue(v, opts).value;
        assert.equal(JSON.stringify(v), before);
        assert.deepEqual(maskValue(once, opts).value, once);
      }),
      { numRuns: 1500 },
    );
  });
});
