import { createHash } from 'node:crypto';
import type { Argon2Deriver } from '../../../src/core/crypto/argon2';
import type { KeyKind, KeyVersionInfo } from '../../../src/core/model';
import { metaOf, type SourceMetadata } from '../../../src/core/keys/metadata';
import { KeySourceError, type KeySource, type LoadedKey, type TransitEngine, type TransitItemResult } from '../../../src/core/keys/types';

/** A cheap stand-in for Argon2 that records which passwords were tried, in order. */
export function spyDeriver(): Argon2Deriver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async derive(password, salt, _params, signal) {
      signal?.throwIfAborted();
      calls.push(password.toString('utf8'));
      await new Promise((r) => setImmediate(r));
      return createHash('sha256').update(password).update(salt).digest();
    },
  };
}

export interface FakeVersion {
  version: string;
  kind: KeyKind;
  material?: Buffer;
  keyId?: string;
  transit?: TransitEngine;
}

/** A source holding fixed versions (oldest first); counts loads; can fail. */
export class FakeSource implements KeySource {
  loads = 0;
  lastLoaded: LoadedKey[] = [];
  constructor(
    readonly ref: string,
    private readonly versions: FakeVersion[],
    private readonly error?: KeySourceError,
  ) {}

  private infos(): KeyVersionInfo[] {
    return this.versions.map((v, n) => ({
      sourceRef: this.ref,
      version: v.version,
      label: `${this.ref}@${v.version}`,
      kind: v.kind,
      order: n + 1,
      role: n === this.versions.length - 1 ? 'primary' : 'decrypt-only',
      ...(v.keyId ? { keyId: v.keyId } : {}),
    }));
  }

  async list(): Promise<KeyVersionInfo[]> {
    if (this.error) throw this.error;
    return this.infos();
  }

  async metadata(): Promise<SourceMetadata> {
    if (this.error) throw this.error;
    return { versions: this.infos().map((info) => metaOf(info)), readSecrets: false };
  }

  async load(): Promise<LoadedKey[]> {
    this.loads++;
    if (this.error) throw this.error;
    const infos = this.infos();
    this.lastLoaded = this.versions.map((v, n) => ({
      info: infos[n],
      ...(v.material ? { material: Buffer.from(v.material) } : {}),
      ...(v.transit ? { transit: v.transit } : {}),
    }));
    return this.lastLoaded;
  }
}

/** Transit with a fixed plaintext per ciphertext; counts calls (round trips). */
export class FakeTransit implements TransitEngine {
  readonly mount = 'transit';
  calls = 0;
  constructor(
    readonly name: string,
    private readonly table: Map<string, Buffer>,
  ) {}
  async decryptBatch(ciphertexts: string[]): Promise<TransitItemResult[]> {
    this.calls++;
    return ciphertexts.map((c) => (this.table.has(c) ? { plaintext: Buffer.from(this.table.get(c) as Buffer) } : { error: 'cipher: message authentication failed' }));
  }
  async encryptBatch(): Promise<TransitItemResult[]> {
    throw new Error('not used');
  }
  async rewrapBatch(): Promise<TransitItemResult[]> {
    throw new Error('not used');
  }
}
