import { decodeBase64Strict } from '../crypto/aes-gcm';

/**
 * What a stored key string means. `<id>:<base64 of 32 bytes>` (split at the first ':') is an envelope
 * KEK with that key id (Everruns convention); anything else is a Symbiont key string, whose UTF-8 bytes
 * are the Argon2 password exactly as stored.
 */
export type ParsedKeyValue =
  | { kind: 'kek'; keyId: string; material: Buffer }
  | { kind: 'symbiont'; material: Buffer };

const KEY_ID = /^[^\s:]+$/;

export function parseKeyValue(value: string): ParsedKeyValue {
  const at = value.indexOf(':');
  if (at > 0) {
    const keyId = value.slice(0, at);
    if (KEY_ID.test(keyId)) {
      try {
        const kek = decodeBase64Strict(value.slice(at + 1), 'KEK');
        if (kek.length === 32) return { kind: 'kek', keyId, material: kek };
        kek.fill(0);
      } catch {
        // not base64: a Symbiont key string that happens to contain ':'
      }
    }
  }
  return { kind: 'symbiont', material: Buffer.from(value, 'utf8') };
}
