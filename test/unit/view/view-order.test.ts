import assert from 'node:assert/strict';
import { ViewOrder, isSortOrder, type Columns } from '../../../src/core/view';

function cols(time: number[], latency: number[], tokens: number[]): Columns {
  return { time: Float64Array.from(time), latency: Float32Array.from(latency), tokens: Float32Array.from(tokens) };
}

describe('ViewOrder: positions and entries of a filtered, sorted view', () => {
  const c = cols([30, 10, NaN, 20, 10], [5, NaN, 1, 9, 5], [100, 50, 50, NaN, 200]);

  it('file order and filtered views map both ways', () => {
    const all = ViewOrder.all(5);
    assert.deepEqual(all.slice(0, 10), [0, 1, 2, 3, 4]);
    assert.equal(all.posOf(4), 4);
    assert.equal(all.posOf(5), null);
    const f = ViewOrder.of([1, 3, 4], 5);
    assert.equal(f.count, 3);
    assert.equal(f.indexAt(1), 3);
    assert.equal(f.posOf(4), 2);
    assert.equal(f.posOf(2), null);
    assert.equal(f.indexAt(7), -1);
  });

  it('sorts ascending and descending; entries without a value go last, ties stay in file order', () => {
    assert.deepEqual(ViewOrder.sorted(ViewOrder.all(5), c, { column: 'time', descending: false }).slice(0, 5), [1, 4, 3, 0, 2]);
    assert.deepEqual(ViewOrder.sorted(ViewOrder.all(5), c, { column: 'time', descending: true }).slice(0, 5), [0, 3, 1, 4, 2]);
    assert.deepEqual(ViewOrder.sorted(ViewOrder.all(5), c, { column: 'latency', descending: true }).slice(0, 5), [3, 0, 4, 2, 1]);
    assert.deepEqual(ViewOrder.sorted(ViewOrder.all(5), c, { column: 'tokens', descending: false }).slice(0, 5), [1, 2, 0, 4, 3]);
  });

  it('sorting a filtered view keeps only its entries, and posOf follows the new order', () => {
    const s = ViewOrder.sorted(ViewOrder.of([0, 2, 4], 5), c, { column: 'tokens', descending: true });
    assert.deepEqual(s.slice(0, 3), [4, 0, 2]);
    assert.equal(s.posOf(2), 2);
    assert.equal(s.posOf(1), null);
  });

  it('sorts a million entries (the time is a figure of scripts/measure-view.mjs, not asserted here)', () => {
    const n = 1_000_000;
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = (i * 7919) % n;
    const s = ViewOrder.sorted(ViewOrder.all(n), { time: t, latency: new Float32Array(n), tokens: new Float32Array(n) }, { column: 'time', descending: false });
    for (let p = 1; p < n; p += 9973) assert.ok(t[s.indexAt(p - 1)]! <= t[s.indexAt(p)]!);
    assert.equal(t[s.indexAt(0)], 0);
    assert.equal(t[s.indexAt(n - 1)], n - 1);
  });

  it('accepts only known sort orders', () => {
    assert.ok(isSortOrder({ column: 'latency', descending: true }));
    assert.ok(!isSortOrder({ column: 'agent', descending: true }));
    assert.ok(!isSortOrder({ column: 'time' }));
    assert.ok(!isSortOrder(null));
  });
});
