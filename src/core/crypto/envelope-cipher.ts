import { randomBytes } from 'node:crypto';
import type { EnvelopeValue } from '../model';
import { aesGcmDecrypt, aesGcmEncrypt, aesGcmSealInto, decodeBase64Strict, isStrictBase64, KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './aes-gcm';
import { NoncePool } from './nonce-pool';
import { CorruptValueError, UnsupportedError } from './errors';

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_ALG = 'AES-256-GCM';
export const WRAPPED_DEK_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;
const WRAPPED_DEK_B64 = (WRAPPED_DEK_BYTES / 3) * 4;

/** b64(kek_nonce(12) || AES-256-GCM(KEK, DEK) || tag), 60 bytes before base64. */
export function wrapDek(kek: Buffer, dek: Buffer): string {
  if (dek.length !== KEY_BYTES) throw new CorruptValueError(`DEK must be ${KEY_BYTES} bytes`);
  const { nonce, sealed } = aesGcmEncrypt(kek, dek);
  return Buffer.concat([nonce, sealed]).toString('base64');
}

export function unwrapDek(kek: Buffer, dekWrapped: string): Buffer {
  const raw = decodeBase64Strict(dekWrapped, 'dek_wrapped');
  if (raw.length !== WRAPPED_DEK_BYTES) throw new CorruptValueError(`dek_wrapped must be ${WRAPPED_DEK_BYTES} bytes, got ${raw.length}`);
  return aesGcmDecrypt(kek, raw.subarray(0, NONCE_BYTES), raw.subarray(NONCE_BYTES));
}

/** The raw bytes of a well-formed `dek_wrapped` (strict base64 of exactly 60 bytes), else null. */
export function wrappedDekBytes(dekWrapped: unknown): Buffer | null {
  if (typeof dekWrapped !== 'string' || dekWrapped.length !== WRAPPED_DEK_B64 || !isStrictBase64(dekWrapped)) return null;
  const raw = Buffer.from(dekWrapped, 'base64');
  return raw.length === WRAPPED_DEK_BYTES ? raw : null;
}

/**
 * `wrapDek` for many DEKs: the nonce comes from a pool drawn in bulk and the output is assembled in
 * one reused scratch buffer (the same format, one `randomBytes` call per 4096 wraps).
 */
export class DekWrapper {
  private readonly nonces: NoncePool;
  private readonly scratch = Buffer.alloc(WRAPPED_DEK_BYTES);

  constructor(perBlock?: number) {
    this.nonces = new NoncePool(perBlock);
  }

  wrap(kek: Buffer, dek: Buffer): string {
    if (dek.length !== KEY_BYTES) throw new CorruptValueError(`DEK must be ${KEY_BYTES} bytes`);
    const nonce = this.nonces.next();
    nonce.copy(this.scratch, 0);
    aesGcmSealInto(kek, nonce, dek, this.scratch, NONCE_BYTES);
    return this.scratch.toString('base64');
  }
}

export function checkEnvelopeHeader(value: EnvelopeValue): void {
  if (value === null || typeof value !== 'object') throw new CorruptValueError('envelope value is not an object');
  if (value.version !== ENVELOPE_VERSION) throw new UnsupportedError(`unsupported envelope version ${JSON.stringify(value.version)}`);
  if (value.alg !== ENVELOPE_ALG) throw new UnsupportedError(`unsupported envelope alg ${JSON.stringify(value.alg)}`);
  if (typeof value.key_id !== 'string' || value.key_id === '') throw new CorruptValueError('envelope key_id is missing');
}

export function sealEnvelopeWithDek(plaintext: Buffer, dek: Buffer, keyId: string, dekWrapped: string): EnvelopeValue {
  const { nonce, sealed } = aesGcmEncrypt(dek, plaintext);
  return {
    version: ENVELOPE_VERSION,
    alg: ENVELOPE_ALG,
    key_id: keyId,
    dek_wrapped: dekWrapped,
    nonce: nonce.toString('base64'),
    ciphertext: sealed.toString('base64'),
  };
}

/** Seals with a fresh random DEK wrapped by `kek`. */
export function sealEnvelope(plaintext: Buffer, kek: Buffer, keyId: string): EnvelopeValue {
  const dek = randomBytes(KEY_BYTES);
  try {
    return sealEnvelopeWithDek(plaintext, dek, keyId, wrapDek(kek, dek));
  } finally {
    dek.fill(0);
  }
}

export function openEnvelopeData(value: EnvelopeValue, dek: Buffer): Buffer {
  checkEnvelopeHeader(value);
  return aesGcmDecrypt(dek, decodeBase64Strict(value.nonce, 'nonce'), decodeBase64Strict(value.ciphertext, 'ciphertext'));
}
