/**
 * The shared vocabulary of the core: parsed log records, encrypted fields, key handles and
 * decrypted entries. Pure data, no behaviour, no 'vscode'.
 */

export type FormatId = 'symbiont' | 'envelope' | 'transit-jsonl';

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

/** Symbiont's EncryptedData: every field base64 (standard, padded). */
export interface SymbiontEncryptedData {
  ciphertext: string;
  nonce: string;
  salt: string;
  algorithm: string;
  kdf: string;
}

/** Everruns-style envelope value (FORMAT.md). */
export interface EnvelopeValue {
  version: number;
  alg: string;
  key_id: string;
  dek_wrapped: string;
  nonce: string;
  ciphertext: string;
}

/** One encrypted value inside a record, with where it sits in the record's JSON. */
export type EncryptedField =
  | { kind: 'symbiont'; path: string[]; data: SymbiontEncryptedData }
  | { kind: 'envelope'; path: string[]; data: EnvelopeValue }
  | { kind: 'transit'; path: string[]; ciphertext: string; version: number };

/** A record as parsed from the file, before any decryption. */
export interface LogRecord {
  /** Position among the file's entries (UPDATE lines are not entries), 0-based. */
  index: number;
  /** 0-based line number of the entry's line in the file. */
  line: number;
  id: string | null;
  timestamp: string | null;
  agentId: string | null;
  interactionType: string | null;
  modelIdentifier: string | null;
  latencyMs: number | null;
  tokenUsage: TokenUsage | null;
  metadata: Record<string, string> | null;
  /** The plaintext `error` field of the record (not a parse error). */
  error: string | null;
  /** Encrypted fields found in the record; for Symbiont/envelope request first, then response. */
  fields: EncryptedField[];
  /** The whole parsed JSON after UPDATE merging, unknown fields kept. */
  raw: Record<string, unknown> | null;
  /** Line numbers of UPDATE lines merged into this record, in file order. */
  updateLines: number[];
  /** Set when the line could not be parsed; the record then carries no fields. */
  parseError: string | null;
}

export type KeyKind = 'kek' | 'symbiont' | 'transit';
export type KeyRole = 'primary' | 'decrypt-only' | 'retired';

/** Metadata of one key version; never key material. */
export interface KeyVersionInfo {
  /** The key ref of the source it came from, e.g. `env:SECRETS_ENCRYPTION_KEY`. */
  sourceRef: string;
  /** Version label within the source, e.g. `v3`, `kek-v1`, an account name. */
  version: string;
  /** Human label, unique across sources, e.g. `vault-kv:secret/app@v3`. Used as the `key` of entries. */
  label: string;
  kind: KeyKind;
  /** KEK id for envelope keys (`key_id`), or `vault-transit:<name>` for transit keys. */
  keyId?: string;
  /** Larger = newer within a source. */
  order: number;
  createdTime?: string;
  /** When no creation time is recorded: the key file's last modification (from stat, not its content). */
  modifiedTime?: string;
  role: KeyRole;
}

/** Why a field or entry could not be opened. */
export type FailureReason =
  | 'corrupt' // the line or value is malformed
  | 'no-key' // no configured key can apply (e.g. unknown key_id)
  | 'wrong-key' // every candidate key failed the GCM tag
  | 'trial-cap' // Symbiont: the per-entry cap on key trials was reached before any key opened it
  | 'tampered' // the named key is right (e.g. DEK unwrapped) but data failed authentication
  | 'unsupported' // unknown version/alg
  | 'source-error' // keychain/Vault failed
  | 'cancelled';

export interface DecryptedEntry {
  index: number;
  line: number;
  id: string | null;
  timestamp: string | null;
  status: 'ok' | 'error';
  /** Label of the key version that opened the entry (first field's), or null. */
  key: string | null;
  request: unknown | null;
  response: unknown | null;
  /** Human-readable reason when status is error; includes the record's own error otherwise null. */
  error: string | null;
  reason: FailureReason | null;
  record: LogRecord;
}
