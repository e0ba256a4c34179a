/** A Vault API error: the HTTP status and the `errors` array of the body (`{"errors":[...]}`). */
export class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    /** Some errors carry data too (KV reads of deleted versions, transit batches with failed items). */
    readonly data?: unknown,
  ) {
    super(errors.join('; ') || `status ${status}`);
  }
}

export const badRequest = (msg: string): VaultHttpError => new VaultHttpError(400, [msg]);
export const notFound = (): VaultHttpError => new VaultHttpError(404, []);
export const unsupportedPath = (): VaultHttpError => new VaultHttpError(404, ['1 error occurred:\n\t* unsupported path\n\n']);

/** What a handler answers: `undefined` data means 204 No Content. */
export interface VaultReply {
  status?: number;
  data?: unknown;
  /** Login and token endpoints answer with `auth` (and `data: null`). */
  auth?: unknown;
}
