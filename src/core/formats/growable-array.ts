/** Elements per block once the array is past its first block (512 KiB of Float64). */
const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;

/**
 * An append-only typed array, no object per element. Stored as fixed-size blocks (the first one grows
 * by doubling up to the block size): growing never copies what is there, and never asks for one big
 * allocation. Re-allocating and copying a whole multi-MB array at every 1.5x step cost more than the
 * line scan itself when indexing a 1 GB log (allocation of large zeroed buffers is slow on VMs).
 */
export class GrowableArray<T extends Float64Array | Uint32Array | Uint8Array> {
  private readonly blocks: T[];
  private last: T;
  private len = 0;
  private bytes: number;

  constructor(
    private readonly make: (capacity: number) => T,
    initialCapacity = 1024,
  ) {
    this.last = make(Math.min(BLOCK, Math.max(16, initialCapacity)));
    this.blocks = [this.last];
    this.bytes = this.last.byteLength;
  }

  get length(): number {
    return this.len;
  }

  /** Bytes held, including spare capacity. */
  get byteLength(): number {
    return this.bytes;
  }

  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS]![i & MASK] as number;
  }

  push(value: number): void {
    const at = this.len & MASK;
    if (at === 0 && this.len > 0) this.addBlock();
    else if (at === this.last.length) this.replaceLast(Math.min(BLOCK, this.last.length * 2));
    this.last[at] = value;
    this.len++;
  }

  /** Drops spare capacity of the last block beyond `slack` elements (after a bulk build). */
  trim(slack = 64): void {
    const used = this.len - (this.blocks.length - 1) * BLOCK;
    if (this.last.length > used + slack) this.replaceLast(used + slack);
  }

  /** The used part as one array: a view when it fits one block, else a copy. Valid until the next push. */
  view(): T {
    if (this.blocks.length === 1) return this.last.subarray(0, this.len) as T;
    const out = this.make(this.len);
    this.blocks.forEach((b, k) => out.set(k === this.blocks.length - 1 ? b.subarray(0, this.len - k * BLOCK) : b, k * BLOCK));
    return out;
  }

  private addBlock(): void {
    this.last = this.make(BLOCK);
    this.blocks.push(this.last);
    this.bytes += this.last.byteLength;
  }

  private replaceLast(capacity: number): void {
    const used = this.len - (this.blocks.length - 1) * BLOCK;
    const next = this.make(capacity);
    next.set(this.last.subarray(0, used));
    this.bytes += next.byteLength - this.last.byteLength;
    this.last = next;
    this.blocks[this.blocks.length - 1] = next;
  }
}

export const float64s = (n: number): Float64Array => new Float64Array(n);
export const uint32s = (n: number): Uint32Array => new Uint32Array(n);
