import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuthError, CorruptValueError } from './errors';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** 1 for the 64 characters of the standard base64 alphabet. */
const B64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64_CHAR[c.charCodeAt(0)] = 1;
const EQ = 61;

/**
 * Standard, padded base64: groups of 4 alphabet characters, the last one possibly `xx==` or `xxx=`
 * (the language of /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, checked with a
 * table: the regex was a visible share of decrypting envelope logs).
 */
export function isStrictBase64(s: string): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && s.charCodeAt(n - 1) === EQ) end = s.charCodeAt(n - 2) === EQ ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || B64_CHAR[c] === 0) return false;
  }
  return true;
}

/** Standard, padded base64 only; Node's decoder silently skips junk, which would hide corruption. */
export function decodeBase64Strict(s: unknown, what: string): Buffer {
  if (typeof s !== 'string') throw new CorruptValueError(`${what} is not a string`);
  if (!isStrictBase64(s)) throw new CorruptValueError(`${what} is not valid base64`);
  return Buffer.from(s, 'base64');
}

function checkKeyAndNonce(key: Buffer, nonce: Buffer): void {
  if (key.length !== KEY_BYTES) throw new CorruptValueError(`key must be ${KEY_BYTES} bytes, got ${key.length}`);
  if (nonce.length !== NONCE_BYTES) throw new CorruptValueError(`nonce must be ${NONCE_BYTES} bytes, got ${nonce.length}`);
}

/**
 * The one AES-256-GCM path of the project (no AAD; `sealed` is ciphertext || 16-byte tag): decrypt,
 * rotation's rewrap and its worker thread all go through these functions.
 */
export function aesGcmEncrypt(key: Buffer, plaintext: Buffer, nonce: Buffer = randomBytes(NONCE_BYTES)): { nonce: Buffer; sealed: Buffer } {
  const sealed = Buffer.allocUnsafe(plaintext.length + TAG_BYTES);
  aesGcmSealInto(key, nonce, plaintext, sealed, 0);
  return { nonce, sealed };
}

/**
 * Seals `plaintext` into `out` at `at` (ciphertext, then the tag): the hot path of a rewrap writes
 * into one reused scratch buffer instead of allocating per value. Returns the bytes written.
 */
export function aesGcmSealInto(key: Buffer, nonce: Buffer, plaintext: Buffer, out: Buffer, at: number): number {
  checkKeyAndNonce(key, nonce);
  if (out.length - at < plaintext.length + TAG_BYTES) throw new RangeError('AES-GCM output buffer too small');
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const n = cipher.update(plaintext).copy(out, at);
  const f = cipher.final();
  if (n + f.length !== plaintext.length) throw new CorruptValueError('AES-GCM produced an unexpected length');
  f.copy(out, at + n);
  cipher.getAuthTag().copy(out, at + plaintext.length);
  return plaintext.length + TAG_BYTES;
}

/**
 * Opens `sealed`; null when the tag does not verify (the partial output is wiped first). The tag
 * comparison is OpenSSL's constant-time one. Throws only for a malformed key, nonce or length.
 */
export function aesGcmOpen(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | null {
  checkKeyAndNonce(key, nonce);
  if (sealed.length < TAG_BYTES) throw new CorruptValueError('ciphertext is shorter than the GCM tag');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final(); // GCM: no further output, only the tag check
    return body;
  } catch {
    body.fill(0);
    return null;
  }
}

export function aesGcmDecrypt(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer {
  const body = aesGcmOpen(key, nonce, sealed);
  if (!body) throw new AuthError();
  return body;
}
