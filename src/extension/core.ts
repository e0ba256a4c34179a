/** The one place the extension imports the core engine from (pure Node, no 'vscode'). */
export { createEngine, Engine } from '../core/engine';
export type { EngineOptions } from '../core/engine';
export { LogSession, UNKNOWN_KEY } from '../core/log-session';
export { maskValue, defaultMaskOptions, unmaskedOptions, MASK_CATEGORIES } from '../core/masking';
export { maskedEntryJson, maskEntry } from '../core/entry-json';
export { maskBudget, maskTextWithin } from '../core/masking/mask-value';
export { parseJson, stringifyJson } from '../core/json';
export { formatFromName } from '../core/formats/detect';
export type { MaskOptions, MaskCategory } from '../core/masking';
export type { DecryptedEntry, FormatId, LogRecord, KeyVersionInfo } from '../core/model';
export type { KeyVersionMeta } from '../core/keys/metadata';
export { VaultClient } from '../core/keys/vault-client';
export { approleLogin } from '../core/keys/vault-approle';
export type { AppRoleLogin, AppRoleLoginOptions } from '../core/keys/vault-approle';
export { parseKeyRef } from '../core/keys/key-ref';
export { isTokenRejected, KeySourceError } from '../core/keys/types';
export { plainHttpWarning } from '../core/keys/vault-tls';
