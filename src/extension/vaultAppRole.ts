import * as vscode from 'vscode';
import type { Audit } from './audit';
import { VAULT_APPROLE_SECRET, type ExtensionSettings } from './config';
import { approleLogin } from './core';

/** A token issued by an AppRole login. Lives in memory only (never in settings or SecretStorage). */
export interface IssuedVaultToken {
  token: string;
  accessor?: string;
  roleId: string;
  mount: string;
  leaseDurationS: number;
  renewable: boolean;
  /** Epoch ms of the login (or of the last renewal: then leaseDurationS is the renewed one). */
  since: number;
  /** Obtained by logging in again after Vault rejected the previous token (403): a 403 within a minute is not retried. */
  afterRejection: boolean;
}

/**
 * The AppRole login of the window (`encryptedLogs.vault.authMethod` = approle): logs in lazily with
 * the role id from the settings and the secret id from SecretStorage, once at a time, and keeps the
 * issued token in memory. Logins are recorded in the audit channel with the role id and the token
 * accessor: never the secret id, never the token.
 */
export class VaultAppRoleSession implements vscode.Disposable {
  private current: IssuedVaultToken | undefined;
  private pending: Promise<IssuedVaultToken> | undefined;
  private epoch = 0;
  private readonly loginEmitter = new vscode.EventEmitter<IssuedVaultToken>();
  /** Fires after each successful login (the renewer schedules itself from the lease). */
  readonly onDidLogin = this.loginEmitter.event;
  /** The last login failure (message), cleared by a successful login. */
  lastError: string | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly audit: Audit,
    private readonly settings: ExtensionSettings,
  ) {}

  get issued(): IssuedVaultToken | undefined {
    return this.current;
  }

  /** The current token, logging in first when there is none. Rejects with the login's KeySourceError. */
  token(opts: { afterRejection?: boolean } = {}): Promise<IssuedVaultToken> {
    if (this.current) return Promise.resolve(this.current);
    if (!this.pending) {
      const epoch = this.epoch;
      const p = this.login(opts.afterRejection === true).then(
        (t) => {
          if (epoch === this.epoch) {
            this.current = t;
            this.lastError = undefined;
            this.loginEmitter.fire(t);
          }
          return t;
        },
        (e: unknown) => {
          if (epoch === this.epoch) this.lastError = (e as Error).message;
          throw e;
        },
      );
      this.pending = p;
      const clear = (): void => {
        if (this.pending === p) this.pending = undefined;
      };
      p.then(clear, clear);
    }
    return this.pending;
  }

  /** Forgets the token (and any login under way): the next token() logs in again. */
  invalidate(): void {
    this.epoch++;
    this.current = undefined;
    this.pending = undefined;
  }

  /** After renew-self: the token stays, its lease changes. */
  renewed(token: string, leaseDurationS: number, renewable: boolean): void {
    if (this.current?.token !== token) return;
    this.current = { ...this.current, leaseDurationS, renewable, since: Date.now() };
  }

  private async login(afterRejection: boolean): Promise<IssuedVaultToken> {
    const { vaultAuth: auth, vault } = this.settings.current;
    const source = `vault-approle:${auth.approleMount}`;
    try {
      const secretId = (await this.secrets.get(VAULT_APPROLE_SECRET)) ?? '';
      const res = await approleLogin({ ...vault, mount: auth.approleMount, roleId: auth.roleId ?? '', secretId, timeoutMs: 5000 });
      this.audit.record({
        action: 'key-access',
        source,
        detail: `vault approle login (role id ${auth.roleId}, accessor ${res.accessor ?? 'none'}, ttl ${res.leaseDurationS} s${res.renewable ? ', renewable' : ''}${afterRejection ? ', after the previous token was rejected' : ''})`,
      });
      return {
        token: res.token,
        ...(res.accessor ? { accessor: res.accessor } : {}),
        roleId: auth.roleId ?? '',
        mount: auth.approleMount,
        leaseDurationS: res.leaseDurationS,
        renewable: res.renewable,
        since: Date.now(),
        afterRejection,
      };
    } catch (e) {
      this.audit.record({ action: 'key-source-error', source, detail: `vault approle login failed (role id ${auth.roleId ?? 'not set'}): ${(e as Error).message}` });
      throw e;
    }
  }

  dispose(): void {
    this.invalidate();
    this.loginEmitter.dispose();
  }
}
