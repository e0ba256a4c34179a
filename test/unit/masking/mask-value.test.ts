import assert from 'node:assert/strict';
import { defaultMaskOptions, isSensitiveKey, maskValue, optionsForCategories, unmaskedOptions } from '../../../src/core/masking';

describe('maskValue (decoded JSON)', () => {
  const request = {
    prompt: 'Email jane@corp.example about ticket 42; her phone is 555-123-4567.',
    tool_name: 'send_mail',
    tool_arguments: '{"to":"jane@corp.example","password":"hunter2","retries":3}',
    parameters: { max_tokens: 1024, temperature: 0.2, stop: ['\n'], headers: { Authorization: 'Bearer abc123def456ghi789' } },
    history: [{ role: 'user', content: ['card 4111111111111111', { text: 'ip 10.0.0.7' }] }],
  };

  it('masks strings at any depth, including stringified JSON, and keeps keys and other types', () => {
    const { value, stats } = maskValue(request, defaultMaskOptions());
    assert.deepEqual(value, {
      prompt: 'Email [EMAIL] about ticket 42; her phone is [PHONE].',
      tool_name: 'send_mail',
      tool_arguments: '{"to":"[EMAIL]","password":"[SECRET]","retries":3}',
      parameters: { max_tokens: 1024, temperature: 0.2, stop: ['\n'], headers: { Authorization: '[SECRET]' } },
      history: [{ role: 'user', content: ['card [CARD]', { text: 'ip [IP]' }] }],
    });
    assert.equal(stats.masked.email, 2);
    assert.equal(stats.masked.phone, 1);
    assert.equal(stats.masked['sensitive-key'], 2);
    assert.equal(stats.masked['credit-card'], 1);
    assert.equal(stats.masked['ip-address'], 1);
    assert.equal(stats.totalMasked, 7);
  });

  it('never mutates its input', () => {
    const before = structuredClone(request);
    maskValue(request, defaultMaskOptions());
    assert.deepEqual(request, before);
  });

  it('replaces the whole value of a sensitive key, whatever its type, but keeps null and booleans', () => {
    const input = {
      user: { Email: 'x@y.io', home_address: { street: '1 Main St', city: 'Springfield' }, phone_numbers: ['555-123-4567'] },
      cvv: 123,
      API_KEY: 'whatever',
      client_secret: null,
      email_verified: true,
      empty_token: '',
    };
    assert.deepEqual(maskValue(input, defaultMaskOptions()).value, {
      user: { Email: '[SECRET]', home_address: '[SECRET]', phone_numbers: '[SECRET]' },
      cvv: '[SECRET]',
      API_KEY: '[SECRET]',
      client_secret: null,
      email_verified: true,
      empty_token: '',
    });
  });

  it('with sensitive keys off, masks the values by content only', () => {
    const opts = optionsForCategories(['email']);
    assert.deepEqual(maskValue({ email: 'x@y.io', password: 'pw' }, opts).value, { email: '[EMAIL]', password: 'pw' });
  });

  it('recognises sensitive keys as lowercase substrings, but not token bookkeeping', () => {
    for (const k of ['password', 'db_passwd', 'X-Api-Key', 'apikey', 'api_key', 'Authorization', 'access_token', 'clientSecret', 'ssn', 'credit_card', 'cvv', 'email', 'phoneNumber', 'address', 'set-cookie']) {
      assert.ok(isSensitiveKey(k), k);
    }
    for (const k of ['max_tokens', 'input_tokens', 'total_tokens', 'token_usage', 'max_new_tokens', 'tokenizer', 'prompt', 'content', 'model', 'role']) {
      assert.ok(!isSensitiveKey(k), k);
    }
  });

  it('keeps a "__proto__" key as an own data property', () => {
    const input = JSON.parse('{"__proto__":{"email":"a@b.io"},"x":"a@b.io"}') as unknown;
    const out = maskValue(input, defaultMaskOptions()).value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { email: '[SECRET]' });
    assert.equal(out.x, '[EMAIL]');
  });

  it('passes scalars through and copies with masking off', () => {
    for (const v of [null, 1, true, 'plain', undefined]) assert.equal(maskValue(v, defaultMaskOptions()).value, v);
    const r = maskValue(request, unmaskedOptions());
    assert.deepEqual(r.value, request);
    assert.notEqual(r.value, request);
    assert.equal(r.stats.totalMasked, 0);
  });
});
