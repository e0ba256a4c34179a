/**
 * Which entries a viewer shows and in which order: every entry in file order, the matches of a
 * filter, and either sorted by a column. Positions (rows of the table) map to entry indices and
 * back in O(1) (a binary search for a filtered view in file order).
 */
import type { Columns } from './log-view';
import type { SortColumn, SortOrder } from './types';

export type { SortColumn, SortOrder } from './types';

export const SORT_COLUMNS: readonly SortColumn[] = ['time', 'latency', 'tokens'];

export function isSortOrder(v: unknown): v is SortOrder {
  const s = v as SortOrder;
  return !!s && typeof s === 'object' && SORT_COLUMNS.includes(s.column) && typeof s.descending === 'boolean';
}

export class ViewOrder {
  /** Entry index per position; null: file order over `total` entries. */
  private constructor(
    private readonly order: Uint32Array | null,
    private readonly total: number,
    /** Position per entry index (sorted views only; -1: not shown). */
    private readonly inverse: Int32Array | null,
  ) {}

  static all(total: number): ViewOrder {
    return new ViewOrder(null, total, null);
  }

  /** Entries [from, from + count) in file order (`enclog decrypt --from --count`). */
  static range(from: number, count: number, total: number): ViewOrder {
    const order = new Uint32Array(Math.max(0, count));
    for (let k = 0; k < order.length; k++) order[k] = from + k;
    return new ViewOrder(order, total, null);
  }

  /** The given entries (ascending) in file order. */
  static of(indices: readonly number[] | Uint32Array, total: number): ViewOrder {
    return new ViewOrder(Uint32Array.from(indices), total, null);
  }

  /**
   * `base` sorted by a column; entries with no value go last either way, ties stay in file order.
   * O(n log n) on typed arrays.
   */
  static sorted(base: ViewOrder, cols: Columns, by: SortOrder): ViewOrder {
    const n = base.count;
    const values = by.column === 'time' ? cols.time : by.column === 'latency' ? cols.latency : cols.tokens;
    const idx = new Uint32Array(n);
    for (let p = 0; p < n; p++) idx[p] = base.indexAt(p);
    const sign = by.descending ? -1 : 1;
    idx.sort((a, b) => {
      const va = a < values.length ? values[a]! : NaN;
      const vb = b < values.length ? values[b]! : NaN;
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      if (na || nb) return na === nb ? a - b : na ? 1 : -1;
      return va === vb ? a - b : (va - vb) * sign;
    });
    const inv = new Int32Array(base.total).fill(-1);
    for (let p = 0; p < n; p++) inv[idx[p]!] = p;
    return new ViewOrder(idx, base.total, inv);
  }

  get filtered(): boolean {
    return this.order !== null && this.order.length !== this.total;
  }

  get count(): number {
    return this.order ? this.order.length : this.total;
  }

  /** A file-order view over more entries (live tail); a filtered or sorted view is rebuilt by its owner. */
  grown(total: number): ViewOrder {
    return this.order === null ? ViewOrder.all(total) : new ViewOrder(this.order, total, this.inverse);
  }

  indexAt(pos: number): number {
    if (!this.order) return pos >= 0 && pos < this.total ? pos : -1;
    return this.order[pos] ?? -1;
  }

  posOf(index: number): number | null {
    if (!this.order) return index >= 0 && index < this.total ? index : null;
    if (this.inverse) {
      const p = this.inverse[index] ?? -1;
      return p < 0 ? null : p;
    }
    let lo = 0;
    let hi = this.order.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.order[mid]!;
      if (v === index) return mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** Entry indices of positions [from, from + count). */
  slice(from: number, count: number): number[] {
    const out: number[] = [];
    const end = Math.min(this.count, from + count);
    for (let p = Math.max(0, from); p < end; p++) out.push(this.indexAt(p));
    return out;
  }
}
