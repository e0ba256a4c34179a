import * as vscode from 'vscode';
import type { Audit } from './audit';
import { VAULT_TOKEN_SECRET, type ExtensionSettings } from './config';
import { isTokenRejected, KeySourceError, VaultClient } from './core';
import type { EngineHost } from './engineHost';

/**
 * Keeps the Vault token alive: `auth/token/renew-self` at half the lease (between 1 minute and
 * 1 hour), while a vault-* key source is configured. The token is the one from SecretStorage, or with
 * `vault.authMethod` = approle the one the AppRole login issued: when that one cannot be renewed any
 * more (expired, revoked, not renewable, at its max TTL) the host logs in again. Outcomes go to the
 * audit channel (never the token, never the secret id).
 */
export class VaultTokenRenewer implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly audit: Audit,
    private readonly settings: ExtensionSettings,
    private readonly engines?: EngineHost,
  ) {
    this.disposables.push(
      secrets.onDidChange((e) => e.key === VAULT_TOKEN_SECRET && this.active() && this.schedule(5_000)),
      settings.onDidChange((e) => (e.affects('keySources') || e.affects('vault') || e.affects('vaultAuth')) && this.active() && this.schedule(5_000)),
    );
    // Nothing before something needs keys: the first renewal comes after the first engine is created.
    if (engines) {
      this.disposables.push(
        engines.approle.onDidLogin((t) => this.schedule(halfLease(t.leaseDurationS))),
        engines.onDidCreate(() => !this.timer && this.schedule(30_000)),
      );
    }
  }

  /** Renewing only once keys were needed (no Vault call, no SecretStorage read at startup). */
  private active(): boolean {
    return !this.engines || this.engines.enginesCreated > 0;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renewNow(), ms);
    this.timer.unref?.();
  }

  /** Renews once; returns the new TTL in seconds, or undefined when there is nothing to renew / it failed. */
  async renewNow(): Promise<number | undefined> {
    const { keySources, vaultAuth, vault } = this.settings.current;
    if (!keySources.some((r) => r.startsWith('vault-'))) return undefined;
    const approle = vaultAuth.method === 'approle' && this.engines ? this.engines.approle : undefined;
    // AppRole: renew the issued token; none yet means no login happened yet (it is lazy): nothing to do.
    const issued = approle?.issued;
    const token = approle ? issued?.token : await this.secrets.get(VAULT_TOKEN_SECRET);
    if (!token) return undefined;
    const what = approle ? 'vault approle token' : 'vault token';
    try {
      const client = new VaultClient('vault-token', { ...vault, token, timeoutMs: 5000 });
      const res = (await client.write('auth/token/renew-self', {})) as { auth?: { lease_duration?: number; renewable?: boolean } };
      const ttl = Number(res.auth?.lease_duration ?? 0);
      const renewable = res.auth?.renewable !== false;
      this.audit.record({ action: 'key-access', source: 'vault', detail: `${what} renewed (ttl ${ttl} s${issued?.accessor ? `, accessor ${issued.accessor}` : ''})` });
      if (approle) {
        approle.renewed(token, ttl, renewable);
        // At its max TTL (or never renewable) the token will run out: log in again before it does.
        if (ttl > 0 && (!renewable || ttl < 120)) this.scheduleRelogin(Math.max(1, ttl * 0.8) * 1000, `the ${what} reaches its max TTL`);
        else if (ttl > 0) this.schedule(halfLease(ttl));
      } else if (ttl > 0 && renewable) this.schedule(halfLease(ttl));
      return ttl;
    } catch (e) {
      const msg = (e as Error).message;
      this.audit.record({ action: 'key-source-error', source: 'vault', detail: `${what} renewal failed: ${msg}` });
      if (approle && this.engines && e instanceof KeySourceError && isTokenRejected(e)) {
        // expired or revoked: a new login (the engine is recreated with the new token)
        await this.engines.reloginNow(`${what} renewal was denied`);
        return undefined;
      }
      this.schedule(5 * 60_000);
      return undefined;
    }
  }

  private scheduleRelogin(ms: number, reason: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.engines?.reloginNow(reason), ms);
    this.timer.unref?.();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function halfLease(ttlS: number): number {
  return Math.min(3600, Math.max(60, ttlS / 2)) * 1000;
}
