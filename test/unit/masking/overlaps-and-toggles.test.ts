import assert from 'node:assert/strict';
import { defaultMaskOptions, maskText, MASK_CATEGORIES, optionsForCategories, unmaskedOptions } from '../../../src/core/masking';
import { mask, spanTexts } from './helpers';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const SAMPLE =
  'mail a.b@example.com tel +1 (555) 123-4567 ssn 123-45-6789 card 4111 1111 1111 1111 ' +
  `key sk-${'a1'.repeat(12)} jwt ${JWT} ip 10.0.0.1 {"password":"pw1"} EMP-123456`;

describe('masking: overlaps, toggles, spans', () => {
  it('lets the earliest, then highest-priority rule win: an address whose local part looks like a JWT is masked whole', () => {
    assert.equal(mask(`${JWT}@example.com`), '[EMAIL]');
    assert.equal(mask(`token ${JWT} sent to a@example.com`), 'token [JWT] sent to [EMAIL]');
  });

  it('masks a Bearer token once, not also as a JWT or email', () => {
    assert.deepEqual(spanTexts(`Authorization: Bearer ${JWT}`), ['masked:api-key:[JWT]']);
  });

  it('masks a whole PEM block even if it contains things that look like emails or IPs', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nroot@host.example 10.1.2.3\n-----END EC PRIVATE KEY-----';
    assert.equal(mask(pem), '[PRIVATE_KEY]');
  });

  it('does not mask a card number inside a longer digit run or an IP inside a version', () => {
    assert.equal(mask('id 41111111111111110000000'), 'id 41111111111111110000000');
    assert.equal(mask('build 1.10.0.1.4'), 'build 1.10.0.1.4');
  });

  it('leaves the text intact when every category is off', () => {
    assert.equal(maskText(SAMPLE, { ...unmaskedOptions(), custom: [{ name: 'emp', pattern: 'EMP-\\d{6}' }] }).text, SAMPLE);
  });

  it('masks only the enabled category', () => {
    const expected: Record<string, string> = {
      email: '[EMAIL]',
      phone: '[PHONE]',
      ssn: '[SSN]',
      'credit-card': '[CARD]',
      'api-key': '[API_KEY]',
      'ip-address': '[IP]',
      'sensitive-key': '[SECRET]',
      custom: '[CUSTOM:emp]',
    };
    for (const c of MASK_CATEGORIES) {
      const opts = optionsForCategories([c], [{ name: 'emp', pattern: 'EMP-\\d{6}' }]);
      const r = maskText(SAMPLE, opts);
      const markers = [...new Set(r.spans.map((s) => s.marker))];
      assert.ok(markers.includes(expected[c]!), `${c}: ${markers.join(' ')}`);
      assert.ok(r.spans.every((s) => s.category === c), `${c}: ${r.text}`);
    }
  });

  it('gives spans relative to the output, sorted and covering the markers', () => {
    const r = maskText(SAMPLE, defaultMaskOptions([{ name: 'emp', pattern: 'EMP-\\d{6}' }]));
    let last = 0;
    for (const s of r.spans) {
      assert.ok(s.start >= last, 'sorted, disjoint');
      assert.equal(r.text.slice(s.start, s.end), s.marker);
      last = s.end;
    }
    assert.deepEqual(
      r.spans.map((s) => s.marker),
      ['[EMAIL]', '[PHONE]', '[SSN]', '[CARD]', '[API_KEY]', '[JWT]', '[IP]', '[SECRET]', '[CUSTOM:emp]'],
    );
  });

  it('returns the same string object and no spans when nothing matches', () => {
    const s = 'plain prose, nothing to hide.';
    const r = maskText(s, defaultMaskOptions());
    assert.equal(r.text, s);
    assert.deepEqual(r.spans, []);
  });
});
