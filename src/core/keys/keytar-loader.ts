import { KeySourceError } from './types';

/**
 * The part of keytar this project uses, on macOS and Windows only: on Linux the keychain goes over the
 * Secret Service in pure JS (keytar's findCredentials can crash the process on a locked collection there).
 */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

let keytar: KeytarApi | undefined;

/** keytar is a native module (not shipped in Linux VSIXes): loaded on first use only, with a clear error when it is missing or broken. */
export function loadKeytar(ref: string): KeytarApi {
  if (keytar) return keytar;
  try {
    keytar = require('keytar') as KeytarApi;
    return keytar;
  } catch (err) {
    throw new KeySourceError(ref, `the keytar native module cannot be loaded (${(err as Error).message.split('\n')[0]})`, 'unavailable');
  }
}
