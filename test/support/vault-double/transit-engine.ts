import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { badRequest, notFound, unsupportedPath, VaultHttpError, type VaultReply } from './vault-error';

interface TransitKey {
  name: string;
  type: string;
  /** version -> 32-byte AES key (kept only in the double, as Vault keeps it). */
  versions: Map<number, { key: Buffer; created: number }>;
  latest: number;
  minDecryption: number;
  minEncryption: number;
  /** Versions below this were trimmed (deleted for good). */
  minAvailable: number;
  deletionAllowed: boolean;
  autoRotatePeriod: number;
}

export const TOO_OLD = 'ciphertext or signature version is disallowed by policy (too old)';

function b64Strict(s: unknown, what: string): Buffer {
  if (typeof s !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    throw new Error(`failed to base64-decode ${what}`);
  }
  return Buffer.from(s, 'base64');
}

/** Transit at one mount, AES-256-GCM96 keys, ciphertexts `vault:v<N>:base64(nonce||ct||tag)`. */
export class TransitEngine {
  private readonly keys = new Map<string, TransitKey>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  handle(method: string, route: string[], body: Record<string, unknown>): VaultReply {
    const [op, ...rest] = route;
    const post = method === 'POST' || method === 'PUT';
    if (op === 'keys' && rest.length === 1 && method === 'GET') return { data: this.info(this.key(rest[0])) };
    if (op === 'keys' && rest.length === 1 && post) return this.create(rest[0], body);
    if (op === 'keys' && rest.length === 1 && method === 'DELETE') return this.remove(rest[0]);
    if (op === 'keys' && rest.length === 2 && rest[1] === 'rotate' && post) return this.rotate(this.key(rest[0]));
    if (op === 'keys' && rest.length === 2 && rest[1] === 'config' && post) return this.config(this.key(rest[0]), body);
    if (op === 'keys' && rest.length === 2 && rest[1] === 'trim' && post) return this.trim(this.key(rest[0]), body);
    if (!post) throw new VaultHttpError(405, ['unsupported operation']);
    if (rest.length === 1 && (op === 'encrypt' || op === 'decrypt' || op === 'rewrap')) return this.batch(op, rest[0], body);
    if (op === 'datakey' && rest.length === 2 && (rest[0] === 'plaintext' || rest[0] === 'wrapped')) return this.datakey(rest[0], this.key(rest[1]), body);
    throw unsupportedPath();
  }

  private key(name: string): TransitKey {
    const k = this.keys.get(name);
    if (!k) throw notFound();
    return k;
  }

  private newKey(name: string, type = 'aes256-gcm96'): TransitKey {
    const k: TransitKey = { name, type, versions: new Map(), latest: 0, minDecryption: 1, minEncryption: 0, minAvailable: 0, deletionAllowed: false, autoRotatePeriod: 0 };
    this.addVersion(k);
    this.keys.set(name, k);
    return k;
  }

  private addVersion(k: TransitKey): void {
    k.latest += 1;
    k.versions.set(k.latest, { key: randomBytes(32), created: Math.floor(this.now().getTime() / 1000) });
  }

  private info(k: TransitKey): Record<string, unknown> {
    const keys: Record<string, number> = {};
    for (const [n, v] of k.versions) if (n >= k.minDecryption) keys[String(n)] = v.created;
    return {
      allow_plaintext_backup: false,
      auto_rotate_period: k.autoRotatePeriod,
      deletion_allowed: k.deletionAllowed,
      derived: false,
      exportable: false,
      imported_key: false,
      keys,
      latest_version: k.latest,
      min_available_version: k.minAvailable,
      min_decryption_version: k.minDecryption,
      min_encryption_version: k.minEncryption,
      name: k.name,
      supports_decryption: true,
      supports_derivation: true,
      supports_encryption: true,
      supports_signing: false,
      type: k.type,
    };
  }

  private create(name: string, body: Record<string, unknown>): VaultReply {
    const type = typeof body.type === 'string' ? body.type : 'aes256-gcm96';
    if (type !== 'aes256-gcm96') throw badRequest(`unknown key type: ${type} (this double implements aes256-gcm96 only)`);
    const k = this.keys.get(name) ?? this.newKey(name, type);
    return { data: this.info(k) };
  }

  private remove(name: string): VaultReply {
    const k = this.key(name);
    if (!k.deletionAllowed) throw badRequest('deletion is not allowed for this key');
    this.keys.delete(name);
    return {};
  }

  private rotate(k: TransitKey): VaultReply {
    this.addVersion(k);
    return { data: this.info(k) };
  }

  private config(k: TransitKey, body: Record<string, unknown>): VaultReply {
    if (body.min_decryption_version !== undefined) {
      const m = Number(body.min_decryption_version);
      if (!Number.isInteger(m) || m < 0) throw badRequest('min decryption version must be a non-negative integer');
      if (m > k.latest) throw badRequest('cannot set min decryption version to a value greater than the latest version');
      if (m > 0 && m < k.minAvailable) throw badRequest('cannot set min decryption version below the min available version (trimmed)');
      k.minDecryption = Math.max(1, m);
    }
    if (body.min_encryption_version !== undefined) {
      const m = Number(body.min_encryption_version);
      if (!Number.isInteger(m) || m < 0 || m > k.latest) throw badRequest('min encryption version must be between 0 and the latest version');
      k.minEncryption = m;
    }
    if (k.minEncryption > 0 && k.minEncryption < k.minDecryption) {
      throw badRequest('min decryption version should not be less then min available version');
    }
    if (body.deletion_allowed !== undefined) k.deletionAllowed = body.deletion_allowed === true;
    if (body.auto_rotate_period !== undefined) k.autoRotatePeriod = Number(body.auto_rotate_period) || 0;
    return { data: this.info(k) };
  }

  /** Vault's trim: deletes versions below min_available_version for good (must not exceed min_decryption/min_encryption). */
  private trim(k: TransitKey, body: Record<string, unknown>): VaultReply {
    const m = Number(body.min_available_version);
    if (!Number.isInteger(m) || m < 1) throw badRequest('missing or invalid min_available_version');
    if (m > k.minDecryption) throw badRequest('cannot set min available version greater than min decryption version');
    const minEnc = k.minEncryption === 0 ? k.latest : k.minEncryption;
    if (m > minEnc) throw badRequest('cannot set min available version greater than min encryption version');
    for (const n of [...k.versions.keys()]) if (n < m) k.versions.delete(n);
    k.minAvailable = m;
    return { data: this.info(k) };
  }

  private encrypt(k: TransitKey, plaintextB64: unknown, version?: unknown): Record<string, unknown> {
    const plaintext = b64Strict(plaintextB64, 'plaintext');
    const n = version === undefined || version === 0 ? k.latest : Number(version);
    if (n < k.minEncryption) throw new Error('requested version for encryption is less than the minimum encryption key version');
    const v = k.versions.get(n);
    if (!v) throw new Error('invalid key version');
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', v.key, nonce);
    const sealed = Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
    return { ciphertext: `vault:v${n}:${sealed.toString('base64')}`, key_version: n };
  }

  private decrypt(k: TransitKey, ciphertext: unknown): Buffer {
    if (typeof ciphertext !== 'string' || !ciphertext) throw new Error('missing ciphertext to decrypt');
    const m = /^vault:v(\d+):(.*)$/s.exec(ciphertext);
    if (!m) throw new Error(ciphertext.startsWith('vault:') ? 'invalid ciphertext: no version' : 'invalid ciphertext: no prefix');
    const n = Number(m[1]);
    if (n < k.minDecryption) throw new Error(TOO_OLD);
    const v = k.versions.get(n);
    if (!v) throw new Error('invalid key version');
    let raw: Buffer;
    try {
      raw = b64Strict(m[2], 'ciphertext');
    } catch {
      throw new Error('invalid ciphertext: could not decode');
    }
    if (raw.length < 28) throw new Error('invalid ciphertext length');
    const d = createDecipheriv('aes-256-gcm', v.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(raw.length - 16));
    try {
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
    } catch {
      throw new Error('cipher: message authentication failed');
    }
  }

  private batch(op: 'encrypt' | 'decrypt' | 'rewrap', name: string, body: Record<string, unknown>): VaultReply {
    let k = this.keys.get(name);
    if (!k) {
      if (op !== 'encrypt') throw badRequest('encryption key not found');
      k = this.newKey(name); // encrypt upserts, as Vault does by default
    }
    const key = k;
    const one = (item: Record<string, unknown>): Record<string, unknown> => {
      if (op === 'encrypt') return this.encrypt(key, item.plaintext, item.key_version);
      if (op === 'decrypt') return { plaintext: this.decrypt(key, item.ciphertext).toString('base64') };
      return this.encrypt(key, this.decrypt(key, item.ciphertext).toString('base64'), item.key_version);
    };
    if (body.batch_input === undefined) {
      try {
        return { data: one(body) };
      } catch (err) {
        throw badRequest((err as Error).message);
      }
    }
    if (!Array.isArray(body.batch_input)) throw badRequest("'batch_input' must be an array");
    const results = (body.batch_input as Array<Record<string, unknown>>).map((item) => {
      try {
        return { ...one(item ?? {}), ...(item?.reference !== undefined ? { reference: item.reference } : {}) };
      } catch (err) {
        return { error: (err as Error).message, ...(item?.reference !== undefined ? { reference: item.reference } : {}) };
      }
    });
    const failed = results.some((r) => 'error' in r);
    return failed ? { status: 400, data: { batch_results: results } } : { data: { batch_results: results } };
  }

  private datakey(kind: 'plaintext' | 'wrapped', k: TransitKey, body: Record<string, unknown>): VaultReply {
    const bits = body.bits === undefined ? 256 : Number(body.bits);
    if (![128, 256, 512].includes(bits)) throw badRequest('invalid bits value');
    const dek = randomBytes(bits / 8);
    const wrapped = this.encrypt(k, dek.toString('base64'));
    return { data: kind === 'plaintext' ? { plaintext: dek.toString('base64'), ...wrapped } : wrapped };
  }
}
