/**
 * Typed request/reply over postMessage, one helper for both ends (the pattern of
 * microsoft/vscode-hexeditor's message handler): the webview's RequestClient numbers requests and
 * resolves each with its reply; the host's RequestRouter runs the handler of a request's method and
 * posts the reply (or the error's message). `latest()` lets a newer request of a method supersede an
 * older one: the stale reply is dropped (resolves `undefined`) — what five hand-kept counters did.
 * No 'vscode', no DOM.
 */

export interface RequestSpec {
  [method: string]: { params: unknown; result: unknown };
}

export interface RequestEnvelope<R extends RequestSpec, M extends keyof R = keyof R> {
  type: 'request';
  id: number;
  method: M;
  params: R[M]['params'];
}

export interface ReplyEnvelope {
  type: 'reply';
  id: number;
  result?: unknown;
  error?: string;
}

/** Raised in the webview when the host's handler failed. */
export class RequestFailed extends Error {
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestFailed';
  }
}

export class RequestClient<R extends RequestSpec> {
  private seq = 1;
  private readonly pending = new Map<number, { method: keyof R; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly newest = new Map<keyof R, number>();

  constructor(private readonly post: (m: RequestEnvelope<R>) => void) {}

  /** Sends a request; resolves with its result, rejects with RequestFailed. */
  request<M extends keyof R>(method: M, params: R[M]['params']): Promise<R[M]['result']> {
    return this.send(method, params).promise;
  }

  /** Like request(), but a later latest() of the same method supersedes it: it then resolves `undefined`. */
  latest<M extends keyof R>(method: M, params: R[M]['params']): { id: number; promise: Promise<R[M]['result'] | undefined> } {
    const sent = this.send(method, params);
    this.newest.set(method, sent.id);
    return { id: sent.id, promise: sent.promise.then((v) => (this.newest.get(method) === sent.id ? v : undefined)) };
  }

  /** True while `id` is the newest latest() request of `method` (for progress events carrying the id). */
  isLatest(method: keyof R, id: number): boolean {
    return this.newest.get(method) === id;
  }

  /** Forgets the newest request of `method`: its reply, when it comes, is dropped. */
  supersede(method: keyof R): void {
    this.newest.set(method, -1);
  }

  /** Feeds a message from the host; returns true when it was a reply. */
  onMessage(m: { type: string }): boolean {
    if (m.type !== 'reply') return false;
    const r = m as ReplyEnvelope;
    const p = this.pending.get(r.id);
    if (!p) return true;
    this.pending.delete(r.id);
    if (r.error !== undefined) p.reject(new RequestFailed(String(p.method), r.error));
    else p.resolve(r.result);
    return true;
  }

  private send<M extends keyof R>(method: M, params: R[M]['params']): { id: number; promise: Promise<R[M]['result']> } {
    const id = this.seq++;
    const promise = new Promise<R[M]['result']>((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
    });
    this.post({ type: 'request', id, method, params });
    return { id, promise };
  }
}

export type Handlers<R extends RequestSpec> = { [M in keyof R]: (params: R[M]['params'], id: number) => Promise<R[M]['result']> };

export class RequestRouter<R extends RequestSpec> {
  constructor(
    private readonly handlers: Handlers<R>,
    private readonly post: (m: ReplyEnvelope) => void,
  ) {}

  /** Runs the request's handler and posts its reply; an unknown method or a throw is an error reply. */
  async dispatch(m: RequestEnvelope<R>): Promise<void> {
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, m.method) ? this.handlers[m.method] : undefined;
    if (typeof m.id !== 'number') return;
    if (!handler) {
      this.post({ type: 'reply', id: m.id, error: `unknown request '${String(m.method)}'` });
      return;
    }
    try {
      this.post({ type: 'reply', id: m.id, result: await handler(m.params, m.id) });
    } catch (e) {
      this.post({ type: 'reply', id: m.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
