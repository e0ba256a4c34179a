type Argon2Binding = typeof import('@node-rs/argon2');
let binding: Argon2Binding | undefined;
/**
 * The native Argon2 binding, loaded when a key is first derived (Symbiont logs only): loading it at
 * module load put a native library on every activation's path, envelope and transit logs included.
 */
function argon2(): Argon2Binding {
  binding ??= require('@node-rs/argon2') as Argon2Binding;
  return binding;
}

export interface Argon2Params {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

export const CURRENT_SYMBIONT_KDF = 'Argon2id-m65536-t3-p1';
const CURRENT_PARAMS: Argon2Params = { memoryKiB: 65536, iterations: 3, parallelism: 1 };
/** The argon2 crate's defaults, used by Symbiont for every other label (incl. the older `Argon2`). */
const LEGACY_PARAMS: Argon2Params = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

export function symbiontKdfParams(kdfLabel: string): Argon2Params {
  return kdfLabel === CURRENT_SYMBIONT_KDF ? { ...CURRENT_PARAMS } : { ...LEGACY_PARAMS };
}

export interface Argon2Deriver {
  /** Argon2id v0x13, no secret, no AD, 32-byte output. */
  derive(password: Buffer, salt: Buffer, params: Argon2Params, signal?: AbortSignal): Promise<Buffer>;
}

export function argon2idRawSync(password: Uint8Array, salt: Uint8Array, params: Argon2Params): Buffer {
  const { Algorithm, Version, hashRawSync } = argon2();
  return hashRawSync(password, {
    algorithm: Algorithm.Argon2id,
    version: Version.V0x13,
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    outputLen: 32,
    salt,
  });
}

/** Derives on the calling thread; for tests and tiny one-off work only. */
export function inlineDeriver(): Argon2Deriver {
  return {
    async derive(password, salt, params, signal) {
      signal?.throwIfAborted();
      return argon2idRawSync(password, salt, params);
    },
  };
}
