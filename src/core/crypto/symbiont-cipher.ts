import { randomBytes } from 'node:crypto';
import type { SymbiontEncryptedData } from '../model';
import { aesGcmDecrypt, aesGcmEncrypt, decodeBase64Strict, NONCE_BYTES } from './aes-gcm';
import { CURRENT_SYMBIONT_KDF, symbiontKdfParams, type Argon2Deriver } from './argon2';
import { CorruptValueError } from './errors';

export const SYMBIONT_SALT_BYTES = 32;
export const SYMBIONT_ALGORITHM = 'AES-256-GCM';

/** Decodes and checks every part of a Symbiont EncryptedData before any expensive derivation. */
export function decodeSymbiontField(data: SymbiontEncryptedData): { sealed: Buffer; nonce: Buffer; salt: Buffer } {
  if (data === null || typeof data !== 'object') throw new CorruptValueError('encrypted value is not an object');
  const sealed = decodeBase64Strict(data.ciphertext, 'ciphertext');
  const nonce = decodeBase64Strict(data.nonce, 'nonce');
  const salt = decodeBase64Strict(data.salt, 'salt');
  if (nonce.length !== NONCE_BYTES) throw new CorruptValueError(`nonce must be ${NONCE_BYTES} bytes, got ${nonce.length}`);
  if (salt.length === 0) throw new CorruptValueError('salt is empty');
  if (typeof data.kdf !== 'string') throw new CorruptValueError('kdf label is missing');
  return { sealed, nonce, salt };
}

/** Throws AuthError when `secret` is not the key that sealed the field. */
export async function openSymbiontField(
  data: SymbiontEncryptedData,
  secret: Buffer,
  deriver: Argon2Deriver,
  signal?: AbortSignal,
): Promise<Buffer> {
  const { sealed, nonce, salt } = decodeSymbiontField(data);
  const key = await deriver.derive(secret, salt, symbiontKdfParams(data.kdf), signal);
  try {
    return aesGcmDecrypt(key, nonce, sealed);
  } finally {
    key.fill(0);
  }
}

export async function sealSymbiontField(
  plaintext: Buffer,
  secret: Buffer,
  deriver: Argon2Deriver,
  kdf: string = CURRENT_SYMBIONT_KDF,
): Promise<SymbiontEncryptedData> {
  const salt = randomBytes(SYMBIONT_SALT_BYTES);
  const key = await deriver.derive(secret, salt, symbiontKdfParams(kdf));
  try {
    const { nonce, sealed } = aesGcmEncrypt(key, plaintext);
    return {
      ciphertext: sealed.toString('base64'),
      nonce: nonce.toString('base64'),
      salt: salt.toString('base64'),
      algorithm: SYMBIONT_ALGORITHM,
      kdf,
    };
  } finally {
    key.fill(0);
  }
}
