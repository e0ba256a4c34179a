import * as vscode from 'vscode';
import type { Audit } from './audit';
import { VAULT_APPROLE_SECRET, VAULT_TOKEN_SECRET, type ExtensionSettings, type VaultSettings } from './config';
import { createEngine, isTokenRejected, type Engine, type KeyVersionInfo, type KeyVersionMeta } from './core';
import type { AuditEvent } from '../core/keys/types';
import { retiredLabelsOrNone } from '../core/rotation/state';
import { VaultAppRoleSession, type IssuedVaultToken } from './vaultAppRole';

export interface VersionsSnapshot {
  refs: string[];
  keys: KeyVersionInfo[];
  errors: { ref: string; message: string }[];
}

/** Like VersionsSnapshot, read without key material where the sources allow (kinds may be unknown). */
export interface MetadataSnapshot {
  refs: string[];
  keys: KeyVersionMeta[];
  errors: { ref: string; message: string }[];
}

/**
 * Owns the window's one Engine (Argon2 worker pool + KeyResolver). Recreated when the key source
 * settings, the Vault settings or the Vault token change; listeners (open editors, the tree)
 * reopen their sessions on `onDidReset`.
 *
 * Vault auth: the token from SecretStorage, or (`vault.authMethod` = approle) a token from an AppRole
 * login, made lazily when an engine with vault-* sources is created. When Vault rejects that token
 * (403: expired or revoked), the host logs in again once and recreates the engine.
 */
export class EngineHost implements vscode.Disposable {
  private engine: Engine | undefined;
  private creating: Promise<Engine> | undefined;
  private readonly resetEmitter = new vscode.EventEmitter<void>();
  readonly onDidReset = this.resetEmitter.event;
  private readonly createEmitter = new vscode.EventEmitter<void>();
  /** An engine (and so its key sources) was created because something needed keys. */
  readonly onDidCreate = this.createEmitter.event;
  private created = 0;
  private lastUse = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private generation = 0;
  /** The AppRole token the current engine was created with, if any. */
  private engineToken: IssuedVaultToken | undefined;
  /** The login error the current engine was created after (approle, vault-* sources configured). */
  private engineLoginError: string | undefined;
  /** Set while a log-in-again after a 403 is under way. */
  private relogin: Promise<void> | undefined;
  readonly approle: VaultAppRoleSession;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly audit: Audit,
    readonly settings: ExtensionSettings,
  ) {
    this.approle = new VaultAppRoleSession(secrets, audit, settings);
    this.disposables.push(
      // fires only for real changes (a settings write is announced more than once), and for a change
      // of trust that changes which key sources apply
      settings.onDidChange((e) => {
        const vaultChanged = e.affects('vault') || e.affects('vaultAuth');
        if (vaultChanged) this.approle.invalidate();
        if (e.affects('keySources') || vaultChanged) void this.reset('settings changed');
        if (e.affects('keyCacheIdleMinutes')) this.restartIdleTimer();
      }),
      secrets.onDidChange((e) => {
        if (e.key === VAULT_TOKEN_SECRET) void this.reset('vault token changed');
        if (e.key === VAULT_APPROLE_SECRET) {
          this.approle.invalidate();
          if (settings.current.vaultAuth.method === 'approle') void this.reset('vault approle secret id changed');
        }
      }),
      this.approle,
      this.resetEmitter,
      this.createEmitter,
    );
    void vscode.commands.executeCommand('setContext', 'encryptedLogs.noKeySources', this.refs.length === 0);
  }

  get refs(): string[] {
    return this.settings.current.keySources;
  }

  get gen(): number {
    return this.generation;
  }

  /** How many engines (sets of key sources) were created so far: 0 until something needed keys. Read-only API. */
  get enginesCreated(): number {
    return this.created;
  }

  /** Whether key sources are loaded now (an engine exists). */
  get loaded(): boolean {
    return this.engine !== undefined;
  }

  /** Marks a use of the keys: the idle timeout (setting `keyCacheIdleMinutes`) counts from the last one. */
  touch(): void {
    this.lastUse = Date.now();
    if (this.idleTimer || !this.engine) return;
    const minutes = this.settings.current.keyCacheIdleMinutes;
    if (minutes <= 0) return;
    const check = (): void => {
      this.idleTimer = undefined;
      if (!this.engine) return;
      const idleMs = Date.now() - this.lastUse;
      const limit = this.settings.current.keyCacheIdleMinutes;
      if (idleMs >= limit * 60_000) {
        this.audit.channel.info(`key cache cleared after ${limit} min without use`);
        this.engine.clearKeyCache();
        return;
      }
      this.idleTimer = setTimeout(check, limit * 60_000 - idleMs);
      this.idleTimer.unref?.();
    };
    this.idleTimer = setTimeout(check, minutes * 60_000);
    this.idleTimer.unref?.();
  }

  async get(): Promise<Engine> {
    this.touch();
    if (this.engine) return this.engine;
    if (!this.creating) {
      this.creating = (async () => {
        const refs = this.refs;
        const gen = this.generation;
        const { vault, issued, loginError } = await this.vaultAuth(refs);
        const audit = (e: AuditEvent): void => this.onAudit(e, gen);
        const engine = createEngine({ keyRefs: refs, vault, audit, retired: retiredLabelsOrNone(audit) });
        this.engine = engine;
        this.engineToken = issued;
        this.engineLoginError = loginError;
        this.creating = undefined;
        this.created++;
        this.createEmitter.fire();
        this.touch();
        return engine;
      })();
    }
    return this.creating;
  }

  /**
   * Vault address, namespace and token for these refs (the configured ones by default): the stored
   * token, or with AppRole the issued one (logging in first when none is held and a vault-* ref is
   * among them). A failed login leaves the token out; its message is in `loginError`.
   */
  async vaultAuth(refs: string[] = this.refs): Promise<{ vault: VaultSettings & { token?: string }; issued?: IssuedVaultToken; loginError?: string }> {
    const { vault: settings, vaultAuth } = this.settings.current;
    // no vault-* source: the token is not read at all (SecretStorage is a round trip to the workbench)
    if (!refs.some((r) => r.startsWith('vault-'))) return { vault: settings };
    if (vaultAuth.method !== 'approle') {
      const token = await this.secrets.get(VAULT_TOKEN_SECRET);
      return { vault: { ...settings, ...(token ? { token } : {}) } };
    }
    try {
      const issued = await this.approle.token();
      return { vault: { ...settings, token: issued.token }, issued };
    } catch (e) {
      return { vault: settings, loginError: (e as Error).message };
    }
  }

  /** The engine's audit sink: records the event; a 403 on the AppRole token starts one log-in-again. */
  private onAudit(e: AuditEvent, gen: number): void {
    this.audit.record(e);
    if (e.action !== 'key-source-error' || !e.source?.startsWith('vault-') || !isTokenRejected(e)) return;
    const issued = this.engineToken;
    if (gen !== this.generation || !issued || this.relogin || this.approle.issued?.token !== issued.token) return;
    if (issued.afterRejection && Date.now() - issued.since < 60_000) {
      this.audit.channel.warn('vault approle: the token from logging in again was rejected too (403); not retrying: check the role policies');
      return;
    }
    this.relogin = this.reloginNow('vault rejected the approle token (403)', true).finally(() => (this.relogin = undefined));
  }

  /**
   * Logs in with AppRole again (the token expired, was revoked or could not be renewed) and
   * recreates the engine with the new token. Rejects with the login error.
   */
  async reloginNow(reason: string, afterRejection = false): Promise<void> {
    this.audit.channel.info(`vault approle: logging in again: ${reason}`);
    this.approle.invalidate();
    const login = this.approle.token({ afterRejection });
    await this.reset(reason);
    await login.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Versions, roles and ages for the rotation-age status, without key material where the sources allow
   * (KeySource.metadata). Never creates an engine (undefined when nothing has needed keys yet) and never
   * counts as a use of the keys (the idle timeout keeps running).
   */
  async metadata(): Promise<MetadataSnapshot | undefined> {
    const engine = this.engine ?? (this.creating ? await this.creating : undefined);
    if (!engine) return undefined;
    const refs = this.refs;
    const loginError = this.engineLoginError;
    let snapshot: MetadataSnapshot;
    try {
      const m = await engine.metadata();
      snapshot = { refs, keys: m.keys, errors: m.errors.map((e) => ({ ref: e.ref, message: e.message })) };
    } catch (e) {
      snapshot = { refs, keys: [], errors: [{ ref: '*', message: (e as Error).message }] };
    }
    if (loginError) snapshot.errors.unshift({ ref: `vault-approle:${this.settings.current.vaultAuth.approleMount}`, message: loginError });
    return snapshot;
  }

  async versions(retry = true): Promise<VersionsSnapshot> {
    const engine = await this.get();
    const refs = this.refs;
    const loginError = this.engineLoginError;
    let snapshot: VersionsSnapshot;
    try {
      const v = await engine.versions();
      const errors = v.errors.map((e) => ({ ref: e.ref, message: e.message }));
      snapshot = { refs, keys: v.keys, errors };
    } catch (e) {
      snapshot = { refs, keys: [], errors: [{ ref: '*', message: (e as Error).message }] };
    }
    if (loginError) snapshot.errors.unshift({ ref: `vault-approle:${this.settings.current.vaultAuth.approleMount}`, message: loginError });
    // Vault rejected the AppRole token while listing: the host logs in again; answer with the new engine.
    if (retry && this.relogin) {
      await this.relogin;
      return this.versions(false);
    }
    return snapshot;
  }

  private restartIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.touch();
  }

  clearKeyCache(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // The resolver writes the 'cache-cleared' audit record itself.
    if (this.engine) this.engine.clearKeyCache();
    else this.audit.record({ action: 'cache-cleared', detail: 'no engine yet: nothing cached' });
  }

  async reset(reason: string): Promise<void> {
    const old = this.engine ?? (this.creating ? await this.creating : undefined);
    this.engine = undefined;
    this.creating = undefined;
    this.engineToken = undefined;
    this.engineLoginError = undefined;
    this.generation++;
    void vscode.commands.executeCommand('setContext', 'encryptedLogs.noKeySources', this.refs.length === 0);
    this.audit.channel.debug(`engine reset: ${reason}`);
    this.resetEmitter.fire();
    if (old) await old.dispose().catch(() => undefined);
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const d of this.disposables) d.dispose();
    void this.engine?.dispose();
    this.engine = undefined;
  }
}
