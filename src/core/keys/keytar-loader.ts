import { KeySourceError } from './types';

/** The part of keytar this project uses. findCredentials is deliberately absent: it can crash on a locked collection. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

let keytar: KeytarApi | undefined;

/** keytar is a native module: loaded on first use only, with a clear error when it is missing or broken. */
export function loadKeytar(ref: string): KeytarApi {
  if (keytar) return keytar;
  try {
    keytar = require('keytar') as KeytarApi;
    return keytar;
  } catch (err) {
    throw new KeySourceError(ref, `the keytar native module cannot be loaded (${(err as Error).message.split('\n')[0]})`, 'unavailable');
  }
}
