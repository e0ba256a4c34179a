import assert from 'node:assert/strict';
import { defaultMaskOptions, maskText, maskValue, unmaskedOptions } from '../../../src/core/masking';
import { spanTexts } from './helpers';

describe("masking: the writer's own markers", () => {
  const writerText =
    'Mail [REDACTED:EMAIL], SSN [REDACTED:SSN], card [REDACTED:CC], tel [REDACTED:PHONE], key [REDACTED:API_KEY], ' +
    'jwt [REDACTED:JWT], pem [REDACTED:PRIVATE_KEY], Bearer [REDACTED], api_key=[REDACTED]';

  it('leaves them untouched and reports each as already redacted', () => {
    const r = maskText(writerText, defaultMaskOptions());
    assert.equal(r.text, writerText);
    assert.deepEqual(
      r.spans.map((s) => [s.source, s.category, r.text.slice(s.start, s.end)]),
      [
        ['writer', 'email', '[REDACTED:EMAIL]'],
        ['writer', 'ssn', '[REDACTED:SSN]'],
        ['writer', 'credit-card', '[REDACTED:CC]'],
        ['writer', 'phone', '[REDACTED:PHONE]'],
        ['writer', 'api-key', '[REDACTED:API_KEY]'],
        ['writer', 'api-key', '[REDACTED:JWT]'],
        ['writer', 'api-key', '[REDACTED:PRIVATE_KEY]'],
        ['writer', 'api-key', 'Bearer [REDACTED]'],
        ['writer', 'api-key', 'api_key=[REDACTED]'],
      ],
    );
    assert.ok(r.spans.every((s) => s.marker === r.text.slice(s.start, s.end)));
  });

  it('reports them even with masking off, and unknown tags as unknown', () => {
    assert.deepEqual(spanTexts('x [REDACTED:EMAIL] [REDACTED:IBAN]', unmaskedOptions()), [
      'writer:email:[REDACTED:EMAIL]',
      'writer:unknown:[REDACTED:IBAN]',
    ]);
  });

  it('keeps "***" values in JSON text and in decoded objects, counting them', () => {
    assert.deepEqual(spanTexts('{"password":"***","note":"hi"}'), ['writer:sensitive-key:***']);
    assert.deepEqual(spanTexts('{"weird":"***"}'), ['writer:sensitive-key:***']);
    const r = maskValue({ password: '***', email: '[REDACTED:EMAIL]', nested: { token: '***' }, list: ['***'] }, defaultMaskOptions());
    assert.deepEqual(r.value, { password: '***', email: '[REDACTED:EMAIL]', nested: { token: '***' }, list: ['***'] });
    assert.equal(r.stats.totalMasked, 0);
    assert.equal(r.stats.totalAlreadyRedacted, 4); // "***" counts under any key: the writer's key list is longer
    assert.equal(r.stats.alreadyRedacted['sensitive-key'], 3);
    assert.equal(r.stats.alreadyRedacted.email, 1);
  });

  it('masks around markers without touching them', () => {
    assert.equal(maskText('a@b.co [REDACTED:EMAIL] c@d.io', defaultMaskOptions()).text, '[EMAIL] [REDACTED:EMAIL] [EMAIL]');
    assert.equal(maskText('password=[REDACTED] Bearer [REDACTED]', defaultMaskOptions()).text, 'password=[REDACTED] Bearer [REDACTED]');
  });
});
