/** The viewer's column layout as stored per workspace: checked field by field, whatever sent it. */
import type { ColumnLayout, ViewerLayout } from './types';
import { isSortOrder } from './view-order';

/** A usable layout, or null (not an object, too many columns, an id that is not a plain word). */
export function validLayout(v: unknown): ViewerLayout | null {
  const l = v as ViewerLayout;
  if (!l || typeof l !== 'object' || !Array.isArray(l.columns) || l.columns.length > 32) return null;
  const columns: ColumnLayout[] = [];
  for (const c of l.columns) {
    if (!c || typeof c !== 'object' || typeof c.id !== 'string' || !/^[a-z]{1,16}$/.test(c.id)) return null;
    const width = typeof c.width === 'number' && Number.isFinite(c.width) ? Math.min(2000, Math.max(24, Math.round(c.width))) : null;
    columns.push({ id: c.id, width, hidden: c.hidden === true });
  }
  return { columns, sort: isSortOrder(l.sort) ? { column: l.sort.column, descending: l.sort.descending } : null };
}
