import { GrowableArray, uint32s } from './growable-array';

/** Hash of UPDATE lines whose id could not be read at the fixed place: a candidate for every id. */
export const UNKNOWN_ID_HASH = 0;

/** FNV-1a 32 over bytes [start, end). */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function idHash(id: string): number {
  const b = Buffer.from(id, 'utf8');
  return fnv1a(b, 0, b.length);
}

const SORT_TAIL_MIN = 4096;

/**
 * UPDATE lines as (id hash, line) pairs, 8 bytes each plus a 4-byte sorted permutation built lazily.
 * Lookups return candidate lines only: callers must parse the line and compare ids (hashes collide).
 */
export class UpdateIdIndex {
  private readonly hashes = new GrowableArray(uint32s);
  private readonly lines = new GrowableArray(uint32s);
  private sorted: Uint32Array = new Uint32Array(0);

  get count(): number {
    return this.lines.length;
  }

  get byteLength(): number {
    return this.hashes.byteLength + this.lines.byteLength + this.sorted.byteLength;
  }

  add(hash: number, line: number): void {
    this.hashes.push(hash);
    this.lines.push(line);
  }

  lineAt(k: number): number {
    return this.lines.get(k);
  }

  trim(): void {
    this.hashes.trim();
    this.lines.trim();
  }

  /** Position k of the update on `line`, or -1 (lines are added in increasing order). */
  positionOfLine(line: number): number {
    let lo = 0;
    let hi = this.lines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.lines.get(mid);
      if (v === line) return mid;
      if (v < line) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Candidate UPDATE lines for an id hash (plus lines whose id is unknown), ascending. */
  candidateLines(hash: number): number[] {
    const tail = this.count - this.sorted.length;
    if (tail > SORT_TAIL_MIN && tail > this.sorted.length / 8) this.sort();
    const out: number[] = [];
    this.collectSorted(hash, out);
    if (hash !== UNKNOWN_ID_HASH) this.collectSorted(UNKNOWN_ID_HASH, out);
    for (let k = this.sorted.length; k < this.count; k++) {
      const h = this.hashes.get(k);
      if (h === hash || h === UNKNOWN_ID_HASH) out.push(this.lines.get(k));
    }
    return out.sort((a, b) => a - b);
  }

  private collectSorted(hash: number, out: number[]): void {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes.get(s[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < s.length && this.hashes.get(s[i] as number) === hash; i++) out.push(this.lines.get(s[i] as number));
  }

  /** Stable LSD radix sort of positions by hash, two 16-bit passes. */
  private sort(): void {
    const n = this.count;
    const hashes = this.hashes.view();
    let src = new Uint32Array(n);
    for (let i = 0; i < n; i++) src[i] = i;
    let dst = new Uint32Array(n);
    for (const shift of [0, 16]) {
      const counts = new Uint32Array(65537);
      for (let i = 0; i < n; i++) counts[(((hashes[i] as number) >>> shift) & 0xffff) + 1]!++;
      for (let b = 0; b < 65536; b++) counts[b + 1]! += counts[b]!;
      for (let i = 0; i < n; i++) {
        const p = src[i] as number;
        dst[counts[((hashes[p] as number) >>> shift) & 0xffff]!++] = p;
      }
      [src, dst] = [dst, src];
    }
    this.sorted = src;
  }
}
