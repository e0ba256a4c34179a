/** An append-only typed array that grows by 1.5x; no object per element. */
export class GrowableArray<T extends Float64Array | Uint32Array | Uint8Array> {
  private buf: T;
  private len = 0;

  constructor(
    private readonly make: (capacity: number) => T,
    initialCapacity = 1024,
  ) {
    this.buf = make(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.len;
  }

  /** Bytes held, including spare capacity. */
  get byteLength(): number {
    return this.buf.byteLength;
  }

  get(i: number): number {
    return this.buf[i] as number;
  }

  push(value: number): void {
    if (this.len === this.buf.length) this.reallocate(Math.ceil(this.buf.length * 1.5) + 16);
    this.buf[this.len++] = value;
  }

  /** Drops spare capacity beyond `slack` elements (after a bulk build). */
  trim(slack = 64): void {
    if (this.buf.length > this.len + slack) this.reallocate(this.len + slack);
  }

  /** A view of the used part; valid until the next push. */
  view(): T {
    return this.buf.subarray(0, this.len) as T;
  }

  private reallocate(capacity: number): void {
    const next = this.make(capacity);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

export const float64s = (n: number): Float64Array => new Float64Array(n);
export const uint32s = (n: number): Uint32Array => new Uint32Array(n);
