import * as vscode from 'vscode';
import { withSignal } from './cancellation';
import type { CommandContext, CommandFactory } from './commandRegistry';
import {
  createKeyVersion,
  planRotation,
  purgeKeyVersion,
  reencryptFiles,
  retireKeyVersion,
  type RotationKeys,
  unretireKeyVersion,
  verifyFiles,
  type FileReport,
  type Plan,
  type RetireOutcome,
} from '../core/rotation';
import type { NewVersionResult } from '../core/keys/rotatable';
import { rotationConfirmation, type TargetOrigin } from '../core/rotation/target-origin';
import { keyLineagesFromWorkspace, keySourceOrigins, USER_SETTINGS, userVaultAddress, vaultSettings } from './config';
import { consentedVaultAddress } from './vaultAddressInEffect';

type FileArg = vscode.Uri | string | Array<vscode.Uri | string> | undefined;

const TITLE = 'Encrypted Logs';

function paths(arg: FileArg): string[] {
  const list = arg === undefined ? [] : Array.isArray(arg) ? arg : [arg];
  return list.map((x) => (typeof x === 'string' ? x : x.fsPath));
}

async function pickFiles(arg: FileArg, title: string): Promise<string[]> {
  const given = paths(arg);
  if (given.length) return given;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: title, filters: { 'Encrypted logs': ['log', 'jsonl'], 'All files': ['*'] } });
  return (picked ?? []).map((u) => u.fsPath);
}

/** Tree items (`encryptedLogs.keyVersions` inline actions) name a source ref and maybe a version. */
function fromTreeNode(arg: unknown): { ref?: string; version?: string } {
  const node = arg as { kind?: string; ref?: string; info?: { sourceRef: string; version: string } } | undefined;
  if (node?.kind === 'version' && node.info) return { ref: node.info.sourceRef, version: node.info.version };
  if ((node?.kind === 'source' || node?.kind === 'lineage') && node.ref) return { ref: node.ref };
  return {};
}

/** How the ref was chosen: given by the caller (a string argument), a Key Versions node, or a quick pick. */
type Chosen = { ref: string; by: 'caller' | 'tree' | 'pick'; lineageNode: boolean };

async function chooseRef(given: unknown, title: string): Promise<Chosen | undefined> {
  if (typeof given === 'string' && given) return { ref: given, by: 'caller', lineageNode: false };
  const fromTree = fromTreeNode(given).ref;
  if (fromTree) return { ref: fromTree, by: 'tree', lineageNode: (given as { kind?: string }).kind === 'lineage' };
  const origins = keySourceOrigins();
  if (!origins.size) {
    void vscode.window.showInformationMessage('No key source is configured (Encrypted Logs: Add Key Source).');
    return undefined;
  }
  // Each source says whose settings name it: a workspace's key is not the user's word.
  const picked = await vscode.window.showQuickPick([...origins].map(([ref, origin]) => ({ label: ref, description: origin })), { title });
  return picked ? { ref: picked.label, by: 'pick', lineageNode: false } : undefined;
}

async function pickRef(given: unknown, title: string): Promise<string | undefined> {
  return (await chooseRef(given, title))?.ref;
}

/**
 * Where a rotation target the user picked came from: the settings naming its source (user, workspace,
 * folder), a workspace lineage pin behind a Key Versions lineage node, a workspace's Vault address.
 */
function targetOrigin(chosen: Chosen, vaultEndpoint: string | undefined): TargetOrigin {
  const listedIn = keySourceOrigins().get(chosen.ref);
  const origin: TargetOrigin = {
    ref: chosen.ref,
    namedBy: chosen.by === 'tree' ? (chosen.lineageNode ? "the Key Versions view (the lineage's primary lives there)" : 'the Key Versions view') : chosen.by === 'pick' ? 'your pick' : 'the caller',
    warnings: [],
    ...(listedIn ? { listedIn } : {}),
  };
  if (listedIn && listedIn !== USER_SETTINGS) origin.warnings.push(`This key source comes from ${listedIn}, not your user settings: a workspace's files can name a key its author knows.`);
  if (chosen.lineageNode && keyLineagesFromWorkspace()) origin.warnings.push("The lineage's primary was pinned by the workspace's encryptedLogs.keyLineages, not by you.");
  if (/^vault-(kv|transit):/.test(chosen.ref.trim())) {
    origin.vaultAddress = vaultEndpoint ?? 'http://127.0.0.1:8200';
    const fromWorkspace = vaultEndpoint !== undefined && vaultEndpoint === consentedVaultAddress() && !userVaultAddress() && !process.env.VAULT_ADDR?.trim();
    origin.vaultAddressFrom = fromWorkspace ? "the workspace's settings, allowed for this workspace" : vaultEndpoint ? 'your settings or VAULT_ADDR' : 'the default address';
    if (fromWorkspace) origin.warnings.push('The Vault address comes from the workspace: you allowed it for reading keys; a rotation would write there.');
  }
  return origin;
}

/** A modal naming the target and its origin; true to go on. Only for targets picked in the UI (a caller's string is its own word). */
async function confirmTarget(action: 'new-version' | 'reencrypt', chosen: Chosen, files = 0): Promise<boolean> {
  if (chosen.by === 'caller') return true;
  const { message, detail } = rotationConfirmation(action, targetOrigin(chosen, vaultSettings().endpoint), files);
  const go = action === 'new-version' ? 'Create Key Version' : 'Re-encrypt';
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, go)) === go;
}

async function withKeys<T>(ctx: CommandContext, extra: string[], body: (keys: RotationKeys, vault: { endpoint?: string; namespace?: string; token?: string }) => Promise<T>): Promise<T> {
  // the stored Vault token, or the AppRole-issued one (logging in when needed)
  const { vault } = await ctx.engines.vaultAuth([...extra, ...ctx.engines.refs]);
  // The window's engine lends its pool and a snapshot of its keys; a settings change that
  // replaces the engine meanwhile leaves this run on the snapshot.
  let keys: RotationKeys;
  try {
    keys = (await ctx.engines.get()).rotationKeys(extra, { vault });
  } catch {
    keys = (await ctx.engines.get()).rotationKeys(extra, { vault }); // replaced between get() and the lease: the new one
  }
  try {
    return await body(keys, vault);
  } finally {
    await keys.dispose();
  }
}

function progressRunner<T>(title: string, work: (signal: AbortSignal, report: (message: string, pct: number) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    let last = 0;
    return withSignal(token, (signal) =>
      work(signal, (message, pct) => {
        progress.report({ message, increment: Math.max(0, pct - last) });
        last = Math.max(last, pct);
      }),
    );
  });
}

const failed = (err: unknown) => void vscode.window.showErrorMessage(`${TITLE}: ${(err as Error).message}`);

/**
 * The rotation palette commands (ids `encryptedLogs.rotation.*`), registered with every other command
 * (commandRegistry.ts). Each takes optional arguments so tests and other extensions can run it without UI;
 * long work runs under vscode.window.withProgress with cancellation; every step is recorded in the audit
 * channel by the core (no key material). A new env:/file: key value is shown once for the operator to
 * copy; it is never written into settings.
 */
export const ROTATION_COMMANDS: Record<string, CommandFactory> = {
  'encryptedLogs.rotation.newKeyVersion': (ctx) => async (ref?: string, kind?: 'kek' | 'symbiont'): Promise<NewVersionResult | undefined> => {
    const chosen = await chooseRef(ref, 'Create a new key version in which source?');
    if (!chosen || !(await confirmTarget('new-version', chosen))) return undefined;
    const r0 = chosen.ref;
    try {
      const result = await withKeys(ctx, [r0], (keys, vault) => createKeyVersion(r0, keys, { vault, lineages: ctx.settings.current.keyLineages.overrides, ...(kind ? { kind } : {}) }));
      if (result.operatorValue !== undefined) {
        const choice = await vscode.window.showWarningMessage(
          `New ${result.kind} key for ${result.ref} generated. Encrypted Logs does not store it: ${result.instructions}.`,
          { modal: true },
          'Copy Value to Clipboard',
        );
        if (choice === 'Copy Value to Clipboard') await vscode.env.clipboard.writeText(result.operatorValue);
        return { ...result, operatorValue: '(shown to the operator)' };
      }
      void vscode.window.showInformationMessage(`${result.ref}: new version ${result.version} is now primary; older versions stay decrypt-only.`);
      await ctx.engines.reset('new key version');
      return result;
    } catch (err) {
      failed(err);
      return undefined;
    }
  },

  'encryptedLogs.rotation.plan': (ctx) => async (files?: FileArg, to?: string): Promise<Plan | undefined> => {
    const list = await pickFiles(files, 'Plan rotation of these logs');
    if (!list.length) return undefined;
    const target = to ?? (await pickRef(undefined, 'Target key source (its primary version)'));
    try {
      const plan = await progressRunner('Planning key rotation (dry run)', (signal, report) =>
        withKeys(ctx, target ? [target] : [], (keys) =>
          planRotation(list, keys, { to: target, signal, onProgress: (p) => report(`${p.path}: ${p.entriesDone} entries`, p.bytesTotal ? (p.bytesDone / p.bytesTotal) * 100 : 100) }),
        ),
      );
      for (const f of plan.files) {
        ctx.audit.channel.info(`plan ${f.path}: ${f.error ?? `${f.entries} entries ${JSON.stringify(f.entriesByKey)}; would rewrite ${f.wouldRewrite}; estimated ${f.estimatedSeconds?.toFixed(1) ?? '-'} s`}`);
      }
      void vscode.window.showInformationMessage(`Plan: ${plan.files.reduce((s, f) => s + f.wouldRewrite, 0)} value(s) would be rewritten, about ${Math.ceil(plan.estimatedSeconds)} s. Details in the audit log.`);
      return plan;
    } catch (err) {
      if ((err as Error).name !== 'AbortError') failed(err);
      return undefined;
    }
  },

  'encryptedLogs.rotation.reencrypt': (ctx) => async (files?: FileArg, to?: string, options: { backup?: boolean; dryRun?: boolean; kdf?: string; batchSize?: number } = {}): Promise<FileReport[] | undefined> => {
    const list = await pickFiles(files, 'Re-encrypt these logs');
    if (!list.length) return undefined;
    const chosen = await chooseRef(to, 'Re-encrypt to which key source (its primary version)?');
    if (!chosen || (!options.dryRun && !(await confirmTarget('reencrypt', chosen, list.length)))) return undefined;
    const target = chosen.ref;
    try {
      const reports = await progressRunner(`${options.dryRun ? 'Dry run: ' : ''}Re-encrypting ${list.length} log(s)`, (signal, report) =>
        withKeys(ctx, [target], (keys) =>
          reencryptFiles(list, keys, {
            to: target,
            ...options,
            signal,
            onProgress: (p) => {
              const pct = ((p.fileIndex + (p.bytesTotal ? p.bytesDone / p.bytesTotal : 1)) / p.files) * 100;
              report(`${p.phase} ${p.path.split(/[\\/]/).pop()}: ${p.entriesDone} entries${p.etaSeconds !== null ? `, ~${Math.ceil(p.etaSeconds)} s left` : ''}`, pct);
            },
          }),
        ),
      );
      ctx.rotationState.rememberLogs(reports.filter((r) => r.format).map((r) => r.path));
      const bad = reports.filter((r) => r.status === 'failed' || r.status === 'cancelled' || r.fieldsFailed > 0);
      const summary = reports.map((r) => `${r.path.split(/[\\/]/).pop()}: ${r.status}${r.error ? ` (${r.error})` : ''}`).join('; ');
      // Another run (CLI or another window) holds the log: say so as the CLI does, as an error.
      const busy = reports.filter((r) => r.errorCode === 'rotation-in-progress');
      if (busy.length) void vscode.window.showErrorMessage(`${TITLE}: ${busy.map((r) => r.error).join('; ')}`);
      else if (bad.length) void vscode.window.showWarningMessage(`Re-encryption: ${summary}`);
      else void vscode.window.showInformationMessage(`Re-encryption: ${summary}`);
      if (!options.dryRun) await ctx.engines.reset('logs re-encrypted');
      return reports;
    } catch (err) {
      failed(err);
      return undefined;
    }
  },

  'encryptedLogs.rotation.verify': (ctx) => async (files?: FileArg, primary?: string): Promise<boolean | undefined> => {
    const list = await pickFiles(files, 'Verify these logs');
    if (!list.length) return undefined;
    const ref = await pickRef(primary, 'Every entry should be on the primary version of which source?');
    if (!ref) return undefined;
    try {
      const v = await progressRunner('Verifying logs', (signal, report) =>
        withKeys(ctx, [ref], (keys) => verifyFiles(list, ref, keys, { signal, onProgress: (p) => report(`${p.entriesDone} entries`, p.bytesTotal ? (p.bytesDone / p.bytesTotal) * 100 : 100) })),
      );
      const msg = v.files.map((f) => `${f.path.split(/[\\/]/).pop()}: ${f.ok ? 'OK' : `NOT OK (${f.onPrimary}/${f.fields} on ${v.primary.label}, ${f.failures.length} problem(s))`}`).join('; ');
      if (v.ok) void vscode.window.showInformationMessage(`Verify: ${msg}`);
      else void vscode.window.showWarningMessage(`Verify: ${msg}`);
      return v.ok;
    } catch (err) {
      if ((err as Error).name !== 'AbortError') failed(err);
      return undefined;
    }
  },

  'encryptedLogs.rotation.retire': (ctx) => async (ref?: string, version?: string, files?: FileArg, opts: { force?: boolean; unretire?: boolean } = {}): Promise<RetireOutcome | undefined> => {
    const r0 = await pickRef(ref, 'Retire a version of which source?');
    if (!r0) return undefined;
    const v = version ?? fromTreeNode(ref).version ?? (await vscode.window.showInputBox({ title: `Version of ${r0} to ${opts.unretire ? 'un-retire' : 'retire'}`, prompt: 'e.g. v2, kek-v1, an account name' }));
    if (!v) return undefined;
    try {
      const out = await progressRunner(`${opts.unretire ? 'Un-retiring' : 'Retiring'} ${r0} ${v} (census of the known logs)`, () =>
        withKeys(ctx, [r0], (keys, vault) =>
          opts.unretire ? unretireKeyVersion({ ref: r0, version: v }, keys, ctx.rotationState, { vault }) : retireKeyVersion({ ref: r0, version: v, files: paths(files), force: opts.force }, keys, ctx.rotationState, { vault }),
        ),
      );
      if (out.status === 'refused') void vscode.window.showWarningMessage(out.message);
      else void vscode.window.showInformationMessage(out.message);
      await ctx.engines.reset('key version retired');
      return out;
    } catch (err) {
      failed(err);
      return undefined;
    }
  },

  'encryptedLogs.rotation.purge': (ctx) => async (ref?: string, version?: string, confirmed?: boolean): Promise<RetireOutcome | undefined> => {
    const r0 = await pickRef(ref, 'Purge a retired version of which source?');
    if (!r0) return undefined;
    const v = version ?? fromTreeNode(ref).version ?? (await vscode.window.showInputBox({ title: `Retired version of ${r0} to purge` }));
    if (!v) return undefined;
    if (confirmed !== true) {
      const first = await vscode.window.showWarningMessage(`Purge ${r0} ${v}? Logs still encrypted with it can never be read again.`, { modal: true }, 'Continue…');
      if (first !== 'Continue…') return undefined;
      const second = await vscode.window.showWarningMessage(`This is irreversible. Really destroy ${r0} ${v}?`, { modal: true, detail: 'Second confirmation: the key material is deleted from its source where the source allows it.' }, 'Purge Permanently');
      if (second !== 'Purge Permanently') return undefined;
    }
    try {
      const out = await progressRunner(`Purging ${r0} ${v}`, () => withKeys(ctx, [r0], (keys, vault) => purgeKeyVersion({ ref: r0, version: v, confirmed: true }, keys, ctx.rotationState, { vault })));
      if (out.status === 'refused') void vscode.window.showWarningMessage(out.message);
      else void vscode.window.showInformationMessage(out.message);
      await ctx.engines.reset('key version purged');
      return out;
    } catch (err) {
      failed(err);
      return undefined;
    }
  },
};
