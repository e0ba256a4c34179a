import type * as vscode from 'vscode';

/** An AbortSignal that follows a VS Code CancellationToken until disposed (the token's listener goes with it). */
export interface TokenSignal extends vscode.Disposable {
  readonly signal: AbortSignal;
  abort(): void;
}

/** Bridges `token` (none: never cancelled from outside) to an AbortController; a token already cancelled aborts at once. */
export function signalFor(token?: vscode.CancellationToken): TokenSignal {
  const ctl = new AbortController();
  const sub = token?.onCancellationRequested(() => ctl.abort());
  if (token?.isCancellationRequested) ctl.abort();
  return {
    signal: ctl.signal,
    abort: () => ctl.abort(),
    dispose: () => sub?.dispose(),
  };
}

/** Runs `work` with a signal that follows `token`, and detaches from the token when it settles. */
export async function withSignal<T>(token: vscode.CancellationToken | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const link = signalFor(token);
  try {
    return await work(link.signal);
  } finally {
    link.dispose();
  }
}
