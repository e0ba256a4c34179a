import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { signalFor, withSignal } from '../../../src/extension/cancellation';

/** A CancellationToken as VS Code's CancellationTokenSource makes one: listeners, cancel(), and how many are attached. */
function tokenSource(): { token: vscode.CancellationToken; cancel(): void; listeners(): number } {
  const listeners = new Set<(e: unknown) => unknown>();
  let cancelled = false;
  const token: vscode.CancellationToken = {
    get isCancellationRequested() {
      return cancelled;
    },
    onCancellationRequested: (listener: (e: unknown) => unknown) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
  };
  return {
    token,
    cancel: () => {
      cancelled = true;
      for (const l of [...listeners]) l(undefined);
    },
    listeners: () => listeners.size,
  };
}

describe('extension cancellation helper', () => {
  it('aborts the signal when the token is cancelled', () => {
    const src = tokenSource();
    const link = signalFor(src.token);
    assert.equal(link.signal.aborted, false);
    src.cancel();
    assert.equal(link.signal.aborted, true);
    link.dispose();
  });

  it('a token cancelled before the bridge aborts at once', () => {
    const src = tokenSource();
    src.cancel();
    assert.equal(signalFor(src.token).signal.aborted, true);
  });

  it('dispose detaches from the token: a later cancel no longer reaches the signal', () => {
    const src = tokenSource();
    const link = signalFor(src.token);
    assert.equal(src.listeners(), 1);
    link.dispose();
    assert.equal(src.listeners(), 0);
    src.cancel();
    assert.equal(link.signal.aborted, false);
  });

  it('withSignal detaches when the work settles, resolved or rejected', async () => {
    const src = tokenSource();
    assert.equal(await withSignal(src.token, async () => 7), 7);
    assert.equal(src.listeners(), 0);
    await assert.rejects(
      withSignal(src.token, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(src.listeners(), 0);
  });

  it('withSignal: cancelling the token mid-work aborts the signal the work sees', async () => {
    const src = tokenSource();
    const seen = await withSignal(src.token, async (signal) => {
      src.cancel();
      return signal.aborted;
    });
    assert.equal(seen, true);
  });

  it('no token: a signal only abort() ends', () => {
    const link = signalFor(undefined);
    assert.equal(link.signal.aborted, false);
    link.abort();
    assert.equal(link.signal.aborted, true);
    link.dispose();
  });
});
