import assert from 'node:assert/strict';
import { defaultMaskOptions, emptyMaskStats, maskNumberText, maskSplitNumber, maskString, maskText, maskValue, optionsForCategories } from '../../../src/core/masking';
import { mask } from './helpers';

/** The escapes of issue 12's red-team report, each masked in the original text. */
describe('masking: encoded and hidden PII (issue 12)', () => {
  const cases: Array<[string, string, string]> = [
    ['JSON \\u0040 email', '{"to":"jane\\u0040corp.example"}', '{"to":"[EMAIL]"}'],
    ['percent-encoded email', 'https://x.test/u?email=jane%40corp.example&a=1', 'https://x.test/u?email=[EMAIL]&a=1'],
    ['HTML reference email', '<a href="mailto:jane&#64;corp.example">', '<a href="mailto:[EMAIL]">'],
    ['fullwidth @ email', 'mail jane＠corp.example', 'mail [EMAIL]'],
    ['internationalised email, whole', 'err: delivery to jürgen.müller@beispiel.de failed', 'err: delivery to [EMAIL] failed'],
    ['Cyrillic email', 'to иван.петров@пример.рф.', 'to [EMAIL].'],
    ['bare 10- and 11-digit phones', 'call 4155550132 or 14155550198', 'call [PHONE] or [PHONE]'],
    ['fullwidth phone', 'tel ４１５-５５５-０１３２', 'tel [PHONE]'],
    ['Arabic-Indic digits phone', 'هاتف +١ (٤١٥) ٥٥٥-٠١٣٢', 'هاتف [PHONE]'],
    ['en-dash separated phone', '415–555–0132', '[PHONE]'],
    ['dotted card', 'card 4111.1111.1111.1111', 'card [CARD]'],
    ['fullwidth card', '４１１１ １１１１ １１１１ １１１１', '[CARD]'],
    ['SSN with spaces', 'SSN 123 45 6789', 'SSN [SSN]'],
    ['bare AWS secret access key', 'key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'key [API_KEY]'],
    ['Authorization: Basic', 'Authorization: Basic YWRtaW46U3VwM3JTM2NyZXQh', 'Authorization: Basic [API_KEY]'],
    ['Authorization with another scheme', 'Authorization: Token abc123secret', 'Authorization: Token [API_KEY]'],
    ['password in doubly-stringified arguments', '"{\\"password\\":\\"hunter2\\",\\"n\\":1}"', '"{\\"password\\":\\"[SECRET]\\",\\"n\\":1}"'],
    ['numeric secret in escaped JSON keeps the escaping', '{\\"token\\": 12}', '{\\"token\\": \\"[SECRET]\\"}'],
    ['base64-encoded API key', 'X-Key: c2stcHJvai1BYjN4WTlrTG1OMnBRN3JTNHRVdjh3WHoxY0Q1ZUY2Zw==', 'X-Key: [API_KEY]'],
    ['base64-encoded JSON with a password', 'p eyJ1c2VyIjoiYm9iIiwicGFzc3dvcmQiOiJodW50ZXIyIn0=', 'p [SECRET]'],
    ['URL password', 'postgres://app:s3cret@db:5432/x', 'postgres://app:[SECRET]@db:5432/x'],
    ['CLI flag password', 'mysql --password=hunter2 -h db', 'mysql --password=[SECRET] -h db'],
    ['quoted YAML password with a space', 'password: "hunter 2"', 'password: "[SECRET]"'],
    ['truncated JSON secret', '{"password":"trunc', '{"password":"[SECRET]'],
    ['Hugging Face, GitLab and npm tokens', 'hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345 glpat-xY9zAb3Cd4Ef5Gh6Ij7K', '[API_KEY] [API_KEY]'],
    ['npm _authToken setting', '//registry.npmjs.org/:_authToken=abc123', '//registry.npmjs.org/:_authToken=[SECRET]'],
    ['Cookie header', 'Cookie: sessionid=8f14e45f; csrftoken=abc\nHost: x', 'Cookie: [SECRET]\nHost: x'],
    ['XML password element', '<password>Sunshine#2025</password>', '<password>[SECRET]</password>'],
    ['password in prose, quoted', 'The password is "Marmalade-77", do not share it', 'The password is "[SECRET]", do not share it'],
    ['curl -u user:password', 'curl -u admin:Pa55w0rd! https://jenkins.local', 'curl -u admin:[SECRET] https://jenkins.local'],
    ['spaced assignment of a quoted secret', "config.secret_key = 'x9Y8w7V6u5T4s3R2'", "config.secret_key = '[SECRET]'"],
    ['00-prefixed international phone', 'Fax: 0044 20 7946 0000', 'Fax: [PHONE]'],
    ['Azure AccountKey', 'AccountName=acct;AccountKey=Zm9vYmFy==;Suffix=x', 'AccountName=acct;AccountKey=[SECRET];Suffix=x'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      assert.equal(mask(input), expected);
      assert.equal(mask(expected), expected, 'idempotent');
    });
  }

  it('leaves text that only looks encoded: base64 of prose, hashes, timestamps', () => {
    for (const s of [
      'aGVsbG8gd29ybGQgaG93IGFyZSB5b3U=',
      'sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709',
      'ts 1715940930 ms 1715940930123',
      'a\\nb\\t"c"',
      '100% sure, 50%off',
      '&amp; &lt;b&gt;',
      'GET from 127.0.0.1 and 0.0.0.0',
      'def check(pw: str, password: string):',
      'const password = getPassword();',
      'The password is required.',
      'compass=north bypass=1',
    ]) {
      assert.equal(mask(s), s, s);
    }
  });

  it('maskString masks one string and counts into the given stats', () => {
    const stats = emptyMaskStats();
    assert.equal(maskString('a jane@x.io b 4111111111111111', defaultMaskOptions(), undefined, stats), 'a [EMAIL] b [CARD]');
    assert.equal(stats.masked.email, 1);
    assert.equal(stats.masked['credit-card'], 1);
  });

  it('maskNumberText: card and phone integers become strings; other literals stay exactly as written', () => {
    const o = defaultMaskOptions();
    assert.deepEqual(maskNumberText('4111111111111111', o), { kind: 'string', text: '[CARD]' });
    assert.deepEqual(maskNumberText('4155550132', o), { kind: 'string', text: '[PHONE]' });
    assert.deepEqual(maskNumberText('-4111111111111111', o), { kind: 'string', text: '[CARD]' });
    for (const lit of ['12345678901234567', '1715940930', '1.5e300', '1.0', '-1715940930', '42']) assert.deepEqual(maskNumberText(lit, o), { kind: 'number', text: lit });
    assert.deepEqual(maskNumberText('4111111111111111', optionsForCategories(['email'])), { kind: 'number', text: '4111111111111111' });
  });

  it('maskSplitNumber: a card split across array elements, as strings or numbers', () => {
    const o = defaultMaskOptions();
    assert.deepEqual(maskSplitNumber(['4111', '1111', '1111', '1111', 'x', '7'], o), ['[CARD]', '[CARD]', '[CARD]', '[CARD]', null, null]);
    assert.deepEqual(maskSplitNumber(['80', '443', '8080', '8443'], o), [null, null, null, null]);
    assert.deepEqual(maskSplitNumber(['415', '555', '0132'], o), ['[PHONE]', '[PHONE]', '[PHONE]']);
    assert.deepEqual(maskSplitNumber(['4111', '1111', '1111', '1111'], optionsForCategories(['email'])), [null, null, null, null]);
  });

  it('maskValue masks object keys (distinct keys stay distinct), numbers and split numbers', () => {
    const r = maskValue({ 'a@x.io': 1, 'b@x.io': 2, n: 4111111111111111, parts: [4111, 1111, 1111, 1111], id: 12345 }, defaultMaskOptions());
    assert.deepEqual(r.value, { '[EMAIL]': 1, '[EMAIL] #2': 2, n: '[CARD]', parts: ['[CARD]', '[CARD]', '[CARD]', '[CARD]'], id: 12345 });
    assert.equal(r.stats.masked.email, 2);
  });

  it('maskText reports spans of decoded findings at their markers', () => {
    const r = maskText('to jane%40corp.example now', defaultMaskOptions());
    assert.equal(r.text, 'to [EMAIL] now');
    assert.deepEqual(r.spans.map((s) => [r.text.slice(s.start, s.end), s.category]), [['[EMAIL]', 'email']]);
  });
});
