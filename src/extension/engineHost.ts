import * as vscode from 'vscode';
import type { Audit } from './audit';
import { keySources, vaultSettings, VAULT_TOKEN_SECRET, SECTION } from './config';
import { createEngine, type Engine, type KeyVersionInfo } from './core';

export interface VersionsSnapshot {
  refs: string[];
  keys: KeyVersionInfo[];
  errors: { ref: string; message: string }[];
}

/**
 * Owns the window's one Engine (Argon2 worker pool + KeyResolver). Recreated when the key source
 * settings, the Vault settings or the Vault token change; listeners (open editors, the tree)
 * reopen their sessions on `onDidReset`.
 */
export class EngineHost implements vscode.Disposable {
  private engine: Engine | undefined;
  private creating: Promise<Engine> | undefined;
  private readonly resetEmitter = new vscode.EventEmitter<void>();
  readonly onDidReset = this.resetEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private generation = 0;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly audit: Audit,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.keySources`) || e.affectsConfiguration(`${SECTION}.vault`)) void this.reset('settings changed');
      }),
      secrets.onDidChange((e) => {
        if (e.key === VAULT_TOKEN_SECRET) void this.reset('vault token changed');
      }),
      this.resetEmitter,
    );
    void vscode.commands.executeCommand('setContext', 'encryptedLogs.noKeySources', keySources().length === 0);
  }

  get refs(): string[] {
    return keySources();
  }

  get gen(): number {
    return this.generation;
  }

  async get(): Promise<Engine> {
    if (this.engine) return this.engine;
    if (!this.creating) {
      this.creating = (async () => {
        const refs = keySources();
        const token = await this.secrets.get(VAULT_TOKEN_SECRET);
        const vault = { ...vaultSettings(), ...(token ? { token } : {}) };
        const engine = createEngine({ keyRefs: refs, vault, audit: this.audit.sink });
        this.engine = engine;
        this.creating = undefined;
        return engine;
      })();
    }
    return this.creating;
  }

  async versions(): Promise<VersionsSnapshot> {
    const engine = await this.get();
    const refs = keySources();
    try {
      const v = await engine.versions();
      const errors = v.errors.map((e) => ({ ref: e.ref, message: e.message }));
      return { refs, keys: v.keys, errors };
    } catch (e) {
      return { refs, keys: [], errors: [{ ref: '*', message: (e as Error).message }] };
    }
  }

  clearKeyCache(): void {
    // The resolver writes the 'cache-cleared' audit record itself.
    if (this.engine) this.engine.clearKeyCache();
    else this.audit.record({ action: 'cache-cleared', detail: 'no engine yet: nothing cached' });
  }

  async reset(reason: string): Promise<void> {
    const old = this.engine ?? (this.creating ? await this.creating : undefined);
    this.engine = undefined;
    this.creating = undefined;
    this.generation++;
    void vscode.commands.executeCommand('setContext', 'encryptedLogs.noKeySources', keySources().length === 0);
    this.audit.channel.debug(`engine reset: ${reason}`);
    this.resetEmitter.fire();
    if (old) await old.dispose().catch(() => undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.engine?.dispose();
    this.engine = undefined;
  }
}
