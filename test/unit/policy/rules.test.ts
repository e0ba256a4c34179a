import assert from 'node:assert/strict';
import type { EnvelopeValue, KeyVersionInfo, SymbiontEncryptedData } from '../../../src/core/model';
import {
  buildKeyMeta,
  defaultPolicy,
  holdsPlaintext,
  keyAge,
  keyPolicyBadge,
  lineValues,
  parsePolicy,
  ruleCipher,
  ruleKdf,
  ruleKeyAge,
  ruleKeyFileMode,
  ruleKeyVersion,
  ruleKeyVolume,
  rulePlaintextLlm,
  ruleRetiredInCensus,
  ruleUnencryptedInProtectedPath,
  type FoundValue,
} from '../../../src/core/policy';

const B64 = 'AAAAAAAAAAAAAAAA';
const sym = (over: Partial<SymbiontEncryptedData> = {}): SymbiontEncryptedData => ({ ciphertext: B64, nonce: B64, salt: B64, algorithm: 'AES-256-GCM', kdf: 'Argon2id-m65536-t3-p1', ...over });
const env = (over: Partial<EnvelopeValue> = {}): EnvelopeValue => ({ version: 1, alg: 'AES-256-GCM', key_id: 'kek-v2', dek_wrapped: B64, nonce: B64, ciphertext: B64, ...over });
const symV = (over: Partial<SymbiontEncryptedData> = {}): FoundValue => ({ kind: 'symbiont', path: 'request_data', data: sym(over) });
const envV = (over: Partial<EnvelopeValue> = {}): FoundValue => ({ kind: 'envelope', path: 'request_data', data: env(over) });

function key(over: Partial<KeyVersionInfo> & { unusable?: string }): KeyVersionInfo {
  return { sourceRef: 'env:K', version: 'current', label: 'env:K', kind: 'kek', order: 1, role: 'primary', ...over } as KeyVersionInfo;
}
const NOW = new Date('2025-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

describe('policy rules', () => {
  describe('lineValues / holdsPlaintext', () => {
    it('finds plaintext LLM fields at any depth, but not encrypted or empty ones', () => {
      const v = lineValues({ ts: 1, request: { prompt: 'hi', model: 'x' }, messages: [{ role: 'user', content: 'hello' }], completion: '' });
      assert.deepEqual(v.plaintextLlm, ['request.prompt', 'messages']);
      assert.deepEqual(v.encrypted, []);
    });
    it('treats transit strings, Symbiont and envelope values as encrypted', () => {
      const v = lineValues({ prompt: 'vault:v3:QUJD', response: sym(), content: env(), nested: { x: ['vault:v1:QUJD'] } });
      assert.deepEqual(v.plaintextLlm, []);
      assert.deepEqual(
        v.encrypted.map((e) => [e.kind, e.path]),
        [['transit', 'prompt'], ['symbiont', 'response'], ['envelope', 'content'], ['transit', 'nested.x[0]']],
      );
      assert.equal(holdsPlaintext({ a: null, b: 3, c: ['  '] }), false);
      assert.equal(holdsPlaintext([1, 'x']), true);
    });
    it('a Symbiont entry whose request_data is plaintext JSON shows its prompt', () => {
      const v = lineValues({ id: 'a', request_data: { prompt: 'tell me', tool_name: null }, response_data: null });
      assert.deepEqual(v.plaintextLlm, ['request_data.prompt']);
    });
  });

  describe('plaintext-llm-log / unencrypted-log-in-protected-path', () => {
    it('clean: nothing for encrypted lines', () => {
      assert.equal(rulePlaintextLlm(lineValues({ request_data: sym(), response_data: sym() }), true), null);
      assert.equal(ruleUnencryptedInProtectedPath(10, 1), null);
      assert.equal(ruleUnencryptedInProtectedPath(0, 0), null);
    });
    it('violating: warning outside, error inside encrypted-only paths, says what to do', () => {
      const values = lineValues({ prompt: 'p', response: 'r' });
      const out = rulePlaintextLlm(values, false)!;
      assert.equal(out.rule, 'plaintext-llm-log');
      assert.equal(out.severity, 'warning');
      assert.match(out.message, /prompt, response/);
      assert.match(out.fix, /encrypted logging/);
      assert.equal(rulePlaintextLlm(values, true)!.severity, 'error');
      const u = ruleUnencryptedInProtectedPath(12, 0)!;
      assert.equal(u.rule, 'unencrypted-log-in-protected-path');
      assert.equal(u.severity, 'error');
    });
  });

  describe('cipher-algorithm', () => {
    const p = defaultPolicy();
    it('clean: AES-256-GCM in any spelling', () => {
      assert.equal(ruleCipher(symV(), p), null);
      assert.equal(ruleCipher(symV({ algorithm: 'aes256gcm' }), p), null);
      assert.equal(ruleCipher(envV(), p), null);
      assert.equal(ruleCipher({ kind: 'transit', path: 'x', version: 1 }, p), null);
    });
    it('violating: other algorithms, unknown envelope versions', () => {
      const a = ruleCipher(symV({ algorithm: 'ChaCha20-Poly1305' }), p)!;
      assert.equal(a.rule, 'cipher-algorithm');
      assert.equal(a.severity, 'error');
      assert.match(a.message, /ChaCha20-Poly1305.*AES-256-GCM/);
      assert.match(a.fix, /reencrypt/);
      assert.match(ruleCipher(envV({ alg: 'AES-128-CBC' }), p)!.message, /AES-128-CBC/);
      assert.match(ruleCipher(envV({ version: 2 }), p)!.message, /version 2/);
    });
    it('follows a configured required algorithm', () => {
      const q = parsePolicy({ requiredAlgorithm: 'XChaCha20-Poly1305' });
      assert.ok(ruleCipher(symV(), q));
      assert.equal(ruleCipher(symV({ algorithm: 'XChaCha20-Poly1305' }), q), null);
    });
  });

  describe('kdf-params', () => {
    it('clean: current and legacy labels meet the default floor (the writer legacy m=19456 t=2 p=1)', () => {
      const p = defaultPolicy();
      assert.equal(ruleKdf(symV(), p), null);
      assert.equal(ruleKdf(symV({ kdf: 'Argon2' }), p), null);
      assert.equal(ruleKdf(envV(), p), null);
    });
    it('violating: legacy label below a raised minimum', () => {
      const p = parsePolicy({ minArgon2: { m: 65536, t: 3, p: 1 } });
      const h = ruleKdf(symV({ kdf: 'Argon2' }), p)!;
      assert.equal(h.rule, 'kdf-params');
      assert.match(h.message, /m=19456 t=2 p=1.*m=65536 t=3 p=1/);
      assert.match(h.fix, /Argon2id-m65536-t3-p1/);
      assert.equal(ruleKdf(symV(), p), null);
    });
    it('violating: unknown labels (read as legacy parameters whatever they say)', () => {
      const h = ruleKdf(symV({ kdf: 'scrypt-N16384' }), defaultPolicy())!;
      assert.equal(h.rule, 'kdf-params');
      assert.match(h.message, /unknown kdf "scrypt-N16384"/);
      assert.match(ruleKdf(symV({ kdf: 'Argon2id-m262144-t4-p1' }), defaultPolicy())!.message, /unknown kdf/);
    });
  });

  describe('retired-key-version / below-min-key-version / unknown-key-version', () => {
    const keys = [
      key({ sourceRef: 'env:OLD', label: 'env:OLD', keyId: 'kek-v1', role: 'retired' }),
      key({ sourceRef: 'env:NEW', label: 'env:NEW', keyId: 'kek-v2', role: 'primary' }),
      key({ sourceRef: 'vault-transit:transit/logs', label: 'vault-transit:transit/logs@v1', version: 'v1', kind: 'transit', keyId: 'vault-transit:logs', order: 1, role: 'retired', unusable: 'disallowed' }),
      key({ sourceRef: 'vault-transit:transit/logs', label: 'vault-transit:transit/logs@v2', version: 'v2', kind: 'transit', keyId: 'vault-transit:logs', order: 2, role: 'retired' }),
      key({ sourceRef: 'vault-transit:transit/logs', label: 'vault-transit:transit/logs@v3', version: 'v3', kind: 'transit', keyId: 'vault-transit:logs', order: 3, role: 'primary' }),
    ];
    const meta = buildKeyMeta(keys);
    it('clean: primary KEK, current transit version', () => {
      assert.equal(ruleKeyVersion(envV({ key_id: 'kek-v2' }), meta), null);
      assert.equal(ruleKeyVersion({ kind: 'transit', path: 'p', version: 3 }, meta), null);
      assert.equal(ruleKeyVersion(envV({ key_id: 'vault-transit:logs', dek_wrapped: 'vault:v3:QUJD' }), meta), null);
      assert.equal(ruleKeyVersion(symV(), meta), null);
    });
    it('violating: retired KEK', () => {
      const h = ruleKeyVersion(envV({ key_id: 'kek-v1' }), meta)!;
      assert.equal(h.rule, 'retired-key-version');
      assert.equal(h.key, 'env:OLD');
      assert.match(h.fix, /rewrap/);
    });
    it('violating: transit below min_decryption_version (error) and retired (warning)', () => {
      const below = ruleKeyVersion({ kind: 'transit', path: 'p', version: 1 }, meta)!;
      assert.equal(below.rule, 'below-min-key-version');
      assert.equal(below.severity, 'error');
      assert.match(below.message, /min_decryption_version 2/);
      const wrapped = ruleKeyVersion(envV({ key_id: 'vault-transit:logs', dek_wrapped: 'vault:v1:QUJD' }), meta)!;
      assert.equal(wrapped.rule, 'below-min-key-version');
      const retired = ruleKeyVersion({ kind: 'transit', path: 'p', version: 2 }, meta)!;
      assert.equal(retired.rule, 'retired-key-version');
      assert.equal(retired.severity, 'warning');
    });
    it('unknown KEK ids are info, and only when every source was listed', () => {
      const h = ruleKeyVersion(envV({ key_id: 'kek-v0' }), meta)!;
      assert.equal(h.rule, 'unknown-key-version');
      assert.equal(h.severity, 'info');
      assert.equal(ruleKeyVersion(envV({ key_id: 'kek-v0' }), buildKeyMeta(keys, { allSourcesListed: false })), null);
      assert.equal(ruleKeyVersion(envV({ key_id: 'kek-v0' }), buildKeyMeta([])), null);
    });
    it('bare vault:vN values are matched only when one transit key is configured', () => {
      const two = buildKeyMeta([...keys, key({ sourceRef: 'vault-transit:transit/other', label: 'o@v1', kind: 'transit', keyId: 'vault-transit:other', order: 1 })]);
      assert.equal(ruleKeyVersion({ kind: 'transit', path: 'p', version: 1 }, two), null);
    });
    it('census: retired labels with entries', () => {
      assert.equal(ruleRetiredInCensus(keys[0]!, 0), null);
      assert.equal(ruleRetiredInCensus(keys[1]!, 5), null);
      assert.match(ruleRetiredInCensus(keys[0]!, 5)!.message, /5 entries are encrypted under retired key version env:OLD/);
    });
  });

  describe('key-file-permissions', () => {
    it('clean: 0600 and 0400', () => {
      assert.equal(ruleKeyFileMode('/k', 0o100600), null);
      assert.equal(ruleKeyFileMode('/k', 0o100400), null);
    });
    it('violating: group/other bits are errors, owner exec a warning; the fix is chmod 600', () => {
      const h = ruleKeyFileMode('/tmp/a b.key', 0o100644)!;
      assert.equal(h.severity, 'error');
      assert.match(h.message, /0644/);
      assert.equal(h.fix.startsWith("chmod 600 '/tmp/a b.key'"), true);
      assert.equal(ruleKeyFileMode('/k', 0o100700)!.severity, 'warning');
      assert.equal(ruleKeyFileMode('/k', 0o100640)!.severity, 'error');
    });
  });

  describe('key-overdue / key-age-unknown / key-volume', () => {
    const p = defaultPolicy();
    it('clean: young primary, old non-primary, interval off', () => {
      assert.equal(ruleKeyAge(key({ createdTime: daysAgo(30) }), p, NOW), null);
      assert.equal(ruleKeyAge(key({ createdTime: daysAgo(400), role: 'decrypt-only' }), p, NOW), null);
      assert.equal(ruleKeyAge(key({ createdTime: daysAgo(400) }), parsePolicy({ rotationIntervalDays: 0 }), NOW), null);
      assert.equal(ruleKeyAge(key({ createdTime: daysAgo(90) }), p, NOW), null, 'exactly the interval is not overdue');
    });
    it('violating: primary older than the interval, with the rotation command', () => {
      const h = ruleKeyAge(key({ createdTime: daysAgo(120), sourceRef: 'keychain:svc' }), p, NOW)!;
      assert.equal(h.rule, 'key-overdue');
      assert.match(h.message, /120 days old.*every 90 days, overdue by 30 days/);
      assert.match(h.fix, /enclog rotate --source keychain:svc/);
    });
    it('falls back to a given time (key file mtime), else reports the age as unknown (info)', () => {
      const h = ruleKeyAge(key({}), p, NOW, { createdTime: daysAgo(200), what: 'key file last modified' })!;
      assert.equal(h.rule, 'key-overdue');
      assert.match(h.message, /key file last modified/);
      const u = ruleKeyAge(key({}), p, NOW)!;
      assert.equal(u.rule, 'key-age-unknown');
      assert.equal(u.severity, 'info');
    });
    it('volume: only with a trigger, only primary, entries or bytes', () => {
      const k = key({});
      assert.equal(ruleKeyVolume(k, { entries: 1e9, bytes: 1e12 }, p), null, 'no trigger by default');
      const q = parsePolicy({ volumeTrigger: { entries: 1000, gb: 1 } });
      assert.equal(ruleKeyVolume(k, { entries: 999, bytes: 10 }, q), null);
      assert.equal(ruleKeyVolume(key({ role: 'decrypt-only' }), { entries: 5000, bytes: 10 }, q), null);
      assert.match(ruleKeyVolume(k, { entries: 1000, bytes: 10 }, q)!.message, /1000 entries \(trigger 1000\)/);
      const b = ruleKeyVolume(k, { entries: 1, bytes: 2 * 1024 ** 3 }, q)!;
      assert.equal(b.rule, 'key-volume');
      assert.match(b.message, /2\.00 GiB \(trigger 1\.00 GiB\)/);
    });
  });

  describe('tree / status badges', () => {
    const p = parsePolicy({ volumeTrigger: { entries: 100 } });
    it('overdue NNd, rotate in Nd, volume; nothing for fresh or non-primary versions', () => {
      assert.equal(keyPolicyBadge(key({ createdTime: daysAgo(120) }), p, NOW)!.text, 'overdue 120d');
      assert.equal(keyPolicyBadge(key({ createdTime: daysAgo(80) }), p, NOW)!.text, 'rotate in 10d');
      assert.equal(keyPolicyBadge(key({ createdTime: daysAgo(10) }), p, NOW), undefined);
      assert.equal(keyPolicyBadge(key({ createdTime: daysAgo(400), role: 'retired' }), p, NOW), undefined);
      assert.equal(keyPolicyBadge(key({}), p, NOW, { entries: 250, bytes: 9 })!.text, 'rotate: 250 entries');
      assert.equal(keyPolicyBadge(key({ createdTime: daysAgo(100) }), p, NOW, { entries: 250, bytes: 9 })!.text, 'overdue 100d · rotate: 250 entries');
      assert.deepEqual(keyAge(daysAgo(100), p, NOW), { ageDays: 100, overdue: true, dueInDays: -10 });
      assert.equal(keyAge('not a date', p, NOW), null);
    });
  });
});
