/**
 * The lossless JSON tree: numbers keep their source text (`12345678901234567`, `1.0`, `-0`,
 * `1.5e300` stay as written) and objects keep every member in order, duplicate keys and
 * index-like keys (`"0"`) included — neither survives a JavaScript object.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** The nearest double (lossy past 2^53 or 17 significant digits). */
  toNumber(): number {
    return Number(this.text);
  }
}

export class JsonObject {
  constructor(readonly entries: Array<[string, JsonValue]> = []) {}
  /** The value of the last member named `key` (what JSON.parse would keep), or undefined. */
  get(key: string): JsonValue | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]![0] === key) return this.entries[i]![1];
    return undefined;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** A syntax error with the offset (UTF-16 code units) where the text stops being JSON. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}
