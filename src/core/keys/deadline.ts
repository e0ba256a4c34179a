/** Thrown when an AbortSignal fires while a key operation is pending. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms`, or with CancelledError when `signal`
 * aborts — whichever comes first. The work itself is not stopped; callers give it its own timeout too.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new CancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => finish(() => reject(new CancelledError()));
    const timer = setTimeout(() => finish(() => reject(onTimeout())), ms);
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    let done = false;
    function finish(settle: () => void): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
    work.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}
