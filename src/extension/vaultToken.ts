import * as vscode from 'vscode';
import type { Audit } from './audit';
import { keySources, vaultSettings, VAULT_TOKEN_SECRET } from './config';
import { VaultClient } from './core';

/**
 * Keeps the Vault token from SecretStorage alive: `auth/token/renew-self` at half the lease
 * (between 1 minute and 1 hour), while a vault-* key source is configured. Outcomes go to the
 * audit channel (never the token).
 */
export class VaultTokenRenewer implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  lastRenewal: { ok: boolean; ttl?: number; error?: string; at: string } | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly audit: Audit,
  ) {
    this.disposables.push(
      secrets.onDidChange((e) => e.key === VAULT_TOKEN_SECRET && this.schedule(5_000)),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('encryptedLogs') && this.schedule(5_000)),
    );
    this.schedule(30_000);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renewNow(), ms);
    this.timer.unref?.();
  }

  /** Renews once; returns the new TTL in seconds, or undefined when there is nothing to renew / it failed. */
  async renewNow(): Promise<number | undefined> {
    const usesVault = keySources().some((r) => r.startsWith('vault-'));
    const token = await this.secrets.get(VAULT_TOKEN_SECRET);
    if (!usesVault || !token) return undefined;
    try {
      const client = new VaultClient('vault-token', { ...vaultSettings(), token, timeoutMs: 5000 });
      const res = (await client.write('auth/token/renew-self', {})) as { auth?: { lease_duration?: number; renewable?: boolean } };
      const ttl = Number(res.auth?.lease_duration ?? 0);
      this.lastRenewal = { ok: true, ttl, at: new Date().toISOString() };
      this.audit.record({ action: 'key-access', source: 'vault', detail: `vault token renewed (ttl ${ttl} s)` });
      if (ttl > 0 && res.auth?.renewable !== false) this.schedule(Math.min(3600, Math.max(60, ttl / 2)) * 1000);
      return ttl;
    } catch (e) {
      const msg = (e as Error).message;
      this.lastRenewal = { ok: false, error: msg, at: new Date().toISOString() };
      this.audit.record({ action: 'key-source-error', source: 'vault', detail: `vault token renewal failed: ${msg}` });
      this.schedule(5 * 60_000);
      return undefined;
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
