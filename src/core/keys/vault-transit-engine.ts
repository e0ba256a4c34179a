import { CancelledError } from './deadline';
import type { TransitEngine, TransitItemResult } from './types';
import type { VaultClient } from './vault-client';

/** Items per HTTP request; Vault handles far larger batches, this bounds one request's body. */
export const TRANSIT_BATCH_SIZE = 1000;

/** Vault transit for one key, every call batched (`batch_input`): one round trip per TRANSIT_BATCH_SIZE items. */
export class VaultTransitEngine implements TransitEngine {
  constructor(
    private readonly vault: VaultClient,
    readonly mount: string,
    readonly name: string,
  ) {}

  decryptBatch(ciphertexts: string[], signal?: AbortSignal): Promise<TransitItemResult[]> {
    return this.batch('decrypt', ciphertexts.map((ciphertext) => ({ ciphertext })), signal, (r) =>
      typeof r.plaintext === 'string' ? { plaintext: Buffer.from(r.plaintext, 'base64') } : undefined,
    );
  }

  encryptBatch(plaintexts: Buffer[], signal?: AbortSignal): Promise<TransitItemResult[]> {
    return this.batch('encrypt', plaintexts.map((p) => ({ plaintext: p.toString('base64') })), signal, ciphertextOf);
  }

  rewrapBatch(ciphertexts: string[], signal?: AbortSignal): Promise<TransitItemResult[]> {
    return this.batch('rewrap', ciphertexts.map((ciphertext) => ({ ciphertext })), signal, ciphertextOf);
  }

  private async batch(
    op: 'decrypt' | 'encrypt' | 'rewrap',
    items: Array<Record<string, string>>,
    signal: AbortSignal | undefined,
    pick: (r: Record<string, unknown>) => TransitItemResult | undefined,
  ): Promise<TransitItemResult[]> {
    const out: TransitItemResult[] = [];
    for (let start = 0; start < items.length; start += TRANSIT_BATCH_SIZE) {
      if (signal?.aborted) throw new CancelledError();
      const chunk = items.slice(start, start + TRANSIT_BATCH_SIZE);
      const res = await this.vault.writeBatch(`${this.mount}/${op}/${this.name}`, { batch_input: chunk }, signal);
      const results = (res.data?.batch_results ?? []) as Array<Record<string, unknown>>;
      for (let i = 0; i < chunk.length; i++) {
        const r = results[i] ?? {};
        const picked = typeof r.error === 'string' && r.error ? undefined : pick(r);
        out.push(picked ?? { error: typeof r.error === 'string' && r.error ? r.error : `Vault returned no ${op} result for item ${start + i}` });
      }
    }
    return out;
  }
}

function ciphertextOf(r: Record<string, unknown>): TransitItemResult | undefined {
  return typeof r.ciphertext === 'string' ? { ciphertext: r.ciphertext } : undefined;
}
