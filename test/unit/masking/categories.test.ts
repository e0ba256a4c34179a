import assert from 'node:assert/strict';
import { mask, maskOnly } from './helpers';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('masking categories', () => {
  describe('email', () => {
    it('masks addresses inside text', () => {
      assert.equal(mask('mail john.doe+tag@mail.example.co.uk, or <bob@test.io>.'), 'mail [EMAIL], or <[EMAIL]>.');
    });
    it('leaves non-addresses', () => {
      for (const s of ['@handle', 'a@b', 'user@localhost', 'foo@bar.c', 'x @ y.com']) assert.equal(mask(s), s);
    });
  });

  describe('phone', () => {
    it('masks common formats', () => {
      assert.equal(maskOnly('phone', 'call +1 (555) 123-4567 now'), 'call [PHONE] now');
      assert.equal(maskOnly('phone', '555-123-4567'), '[PHONE]');
      assert.equal(maskOnly('phone', '(555) 123-4567'), '[PHONE]');
      assert.equal(maskOnly('phone', '555.123.4567'), '[PHONE]');
      assert.equal(maskOnly('phone', '1-800-555-1234'), '[PHONE]');
      assert.equal(maskOnly('phone', 'London +44 20 7946 0958.'), 'London [PHONE].');
      assert.equal(maskOnly('phone', '+442079460958'), '[PHONE]');
    });
    it('leaves dates, versions, bare numbers and too-short/long international numbers', () => {
      for (const s of ['2024-01-15', '1700000000', 'v1.2.3', '12:30:45', '+1 23', '+1234567890123456789', '555-1234']) {
        assert.equal(maskOnly('phone', s), s, s);
      }
    });
  });

  describe('ssn', () => {
    it('masks AAA-GG-SSSS', () => assert.equal(mask('SSN: 123-45-6789.'), 'SSN: [SSN].'));
    it('leaves impossible numbers and other shapes', () => {
      for (const s of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000', '123456789', '1123-45-6789']) {
        assert.equal(maskOnly('ssn', s), s, s);
      }
    });
  });

  describe('credit-card', () => {
    it('masks Luhn-valid card numbers, grouped or not', () => {
      assert.equal(mask('visa 4111 1111 1111 1111 exp'), 'visa [CARD] exp');
      assert.equal(mask('4111-1111-1111-1111'), '[CARD]');
      assert.equal(mask('mc 5500000000000004'), 'mc [CARD]');
      assert.equal(mask('amex 3782 822463 10005'), 'amex [CARD]');
    });
    it('leaves Luhn-invalid numbers, ids outside card ranges, and decimals', () => {
      for (const s of ['4111111111111112', '4111 1111 1111 1112', '1234567890123452', '9999999999999995', '0.4111111111111111', '4111111111111111111111']) {
        assert.equal(maskOnly('credit-card', s), s, s);
      }
    });
  });

  describe('api-key', () => {
    const cases: Array<[string, string]> = [
      ['sk-' + 'a1B2'.repeat(12), '[API_KEY]'],
      ['sk-proj-' + 'Ab3_-x'.repeat(10), '[API_KEY]'],
      ['sk-ant-api03-' + 'Zz9'.repeat(20), '[API_KEY]'],
      ['ghp_' + 'a1'.repeat(18), '[API_KEY]'],
      ['gho_' + 'B2'.repeat(18), '[API_KEY]'],
      ['ghs_' + 'c3'.repeat(18), '[API_KEY]'],
      ['github_pat_11ABCDEFG0123456789_abcdefghijklmnop', '[API_KEY]'],
      ['xoxb-1234567890-abcdefghij', '[API_KEY]'],
      ['xoxp-1234567890-abcdefghij', '[API_KEY]'],
      ['xoxa-2-abcdefghij', '[API_KEY]'],
      ['xoxs-1234567890-abc', '[API_KEY]'],
      ['AKIAIOSFODNN7EXAMPLE', '[API_KEY]'],
      ['ASIAIOSFODNN7EXAMPLE', '[API_KEY]'],
      ['AIza' + 'SyA-1234567890abcdefghijklmnopqrstu', '[API_KEY]'],
      [JWT, '[JWT]'],
      ['Authorization: Bearer abcdef0123456789xyz', 'Authorization: Bearer [API_KEY]'],
      [`Authorization: Bearer ${JWT}`, 'Authorization: Bearer [JWT]'],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc=\n-----END RSA PRIVATE KEY-----', '[PRIVATE_KEY]'],
      ['-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----', '[PRIVATE_KEY]'],
      ['key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk', 'key: [PRIVATE_KEY]'],
    ];
    for (const [input, expected] of cases) {
      it(`masks ${input.slice(0, 24)}...`, () => assert.equal(maskOnly('api-key', input), expected));
    }
    it('leaves look-alikes', () => {
      for (const s of [
        'sk-learn-is-a-python-library-name',
        'ghp_short',
        'AKIAshort',
        'the bearer instrument',
        'eyJhbGciOiJIUzI1NiJ9',
        '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
        'mask-sk-' + 'a1'.repeat(15),
      ]) {
        assert.equal(maskOnly('api-key', s), s, s);
      }
    });
  });

  describe('ip-address', () => {
    it('masks IPv4 and IPv6', () => {
      assert.equal(mask('from 192.168.1.10 and 8.8.8.8.'), 'from [IP] and [IP].');
      assert.equal(mask('v6 2001:db8::7334, fe80::1 and 2001:0db8:85a3:0000:0000:8a2e:0370:7334'), 'v6 [IP], [IP] and [IP]');
      assert.equal(mask('mapped ::ffff:192.0.2.128'), 'mapped [IP]');
    });
    it('leaves out-of-range octets, versions, times, C++ and loopback shorthand', () => {
      for (const s of ['999.1.1.1', '256.0.0.1', '1.2.3.4.5', 'v1.2.3', '12:30:45', 'std::vector', 'a::b', '::1', '::']) {
        assert.equal(maskOnly('ip-address', s), s, s);
      }
    });
  });
});
