import type { Argon2Deriver } from '../crypto/argon2';
import { AuthError, CorruptValueError, UnsupportedError } from '../crypto/errors';
import { openSymbiontField } from '../crypto/symbiont-cipher';
import type { SymbiontEncryptedData } from '../model';
import type { LoadedKey } from './types';

export type TrialOutcome = (
  | { ok: true; plaintext: Buffer; key: LoadedKey }
  | { ok: false; reason: 'wrong-key' | 'trial-cap' | 'corrupt' | 'unsupported' | 'cancelled'; message: string }
) & { trials: number };

export interface TrialLimits {
  /** At most this many keys are tried (each an Argon2 run); then 'trial-cap'. */
  maxTrials?: number;
  /** A key label to try first (the key that opened the same entry's other field). */
  prefer?: string;
}

const REMEMBER_LIMIT = 200_000;

/**
 * Finds which Symbiont key string opened a field by trial (the GCM tag tells), cheapest guess first:
 * the key remembered for this very field, then the key that opened the most recent field (its
 * neighbour in file order, as fields are started in order), then every key in preference order
 * (newest to oldest). Remembers labels only, never material.
 */
export class SymbiontTrials {
  private lastWorked: string | undefined;
  private readonly remembered = new Map<string, string>();

  constructor(private readonly deriver: Argon2Deriver) {}

  get hint(): string | undefined {
    return this.lastWorked;
  }

  reset(): void {
    this.lastWorked = undefined;
    this.remembered.clear();
  }

  /** Candidate keys for one field, in trial order. */
  order(data: SymbiontEncryptedData, keys: LoadedKey[], prefer?: string): LoadedKey[] {
    const first = [this.remembered.get(fieldId(data)), prefer, this.lastWorked].filter((l): l is string => !!l);
    const front = first.map((label) => keys.find((k) => k.info.label === label)).filter((k): k is LoadedKey => !!k);
    return [...new Set([...front, ...keys])];
  }

  async open(data: SymbiontEncryptedData, keys: LoadedKey[], signal?: AbortSignal, limits: TrialLimits = {}): Promise<TrialOutcome> {
    const order = this.order(data, keys, limits.prefer);
    const cap = limits.maxTrials ?? Infinity;
    let trials = 0;
    for (const key of order) {
      if (signal?.aborted) return { ok: false, reason: 'cancelled', message: 'cancelled', trials };
      if (trials >= cap) {
        const message = `stopped after ${trials} key trial(s) for this entry, the cap (${order.length - trials} of ${order.length} keys not tried; --max-trials raises it)`;
        return { ok: false, reason: 'trial-cap', message, trials };
      }
      trials++;
      try {
        const plaintext = await openSymbiontField(data, key.material as Buffer, this.deriver, signal);
        this.lastWorked = key.info.label;
        if (this.remembered.size >= REMEMBER_LIMIT) this.remembered.clear();
        this.remembered.set(fieldId(data), key.info.label);
        return { ok: true, plaintext, key, trials };
      } catch (err) {
        if (signal?.aborted) return { ok: false, reason: 'cancelled', message: 'cancelled', trials };
        if (err instanceof AuthError) continue;
        if (err instanceof CorruptValueError) return { ok: false, reason: 'corrupt', message: err.message, trials };
        if (err instanceof UnsupportedError) return { ok: false, reason: 'unsupported', message: err.message, trials };
        throw err;
      }
    }
    const tried = keys.length === 1 ? 'the configured key' : `all ${keys.length} configured keys`;
    return { ok: false, reason: 'wrong-key', message: `${tried} failed the GCM tag check (none of them encrypted this field)`, trials };
  }
}

function fieldId(data: SymbiontEncryptedData): string {
  return `${data.salt}|${data.nonce}`;
}
