import type { FailureReason, KeyVersionInfo } from '../model';
import { CancelledError } from './deadline';
import { KeySourceError, type FieldResult } from './types';

/** Records the result of field `i` (first settlement wins). */
export type Settle = (i: number, result: FieldResult) => void;

export function failure(reason: FailureReason, message: string): FieldResult {
  return { ok: false, reason, message };
}

export function success(plaintext: Buffer, key: KeyVersionInfo): FieldResult {
  return { ok: true, plaintext, key };
}

/** A whole batch failed: cancellation, a key source error, or a bug (reported, never thrown). */
export function batchFailure(err: unknown, signal?: AbortSignal): FieldResult {
  if (err instanceof CancelledError || signal?.aborted) return failure('cancelled', 'cancelled');
  if (err instanceof KeySourceError) return failure('source-error', err.message);
  return failure('source-error', `unexpected error: ${(err as Error)?.message ?? String(err)}`);
}

/** Maps a per-item Vault transit error to a reason. `keyKnown`: the ciphertext names the key version. */
export function transitItemFailure(error: string, keyKnown: boolean): FieldResult {
  if (/disallowed by policy|too old/i.test(error)) return failure('no-key', `Vault refuses this key version: ${error}`);
  if (/message authentication failed/i.test(error)) return failure(keyKnown ? 'tampered' : 'wrong-key', `Vault: ${error}`);
  if (/invalid ciphertext|could not decode|illegal base64|invalid version/i.test(error)) return failure('corrupt', `Vault: ${error}`);
  return failure('wrong-key', `Vault: ${error}`);
}
