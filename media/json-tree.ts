/** The detail pane's JSON tree over the lossless parser (numbers as written, duplicate keys kept). */
import { JsonNumber, JsonObject, parseJson } from '../src/core/json';
import { el } from './dom';

/**
 * One JSON value of the lossless tree. A collapsed node builds its children when first opened, so
 * any depth renders without recursion beyond the levels open by default.
 */
export function jsonNode(v: unknown, name?: string, depth = 0): Node {
  const key = name !== undefined ? [el('span', { class: 'k' }, `${name}: `)] : [];
  const members = jsonMembers(v);
  if (members !== null) {
    const d = el('details', { class: 'json' });
    const brace = Array.isArray(v) ? `[${members.length}]` : `{${members.length}}`;
    d.append(el('summary', {}, ...key, el('span', { class: 'muted' }, brace)));
    let built = false;
    const build = () => {
      if (built) return;
      built = true;
      for (const [k, x] of members) d.append(el('div', { class: 'indent' }, jsonNode(x, k, depth + 1)));
    };
    if (depth < 2) {
      build();
      d.open = true;
    } else d.addEventListener('toggle', build);
    return d;
  }
  const cls = v === null ? 'null' : v instanceof JsonNumber ? 'number' : typeof v;
  const text = typeof v === 'string' ? JSON.stringify(v) : v instanceof JsonNumber ? v.text : String(v);
  return el('div', { class: 'leaf' }, ...key, el('span', { class: `v ${cls}` }, text));
}

function jsonMembers(v: unknown): ReadonlyArray<readonly [string, unknown]> | null {
  if (Array.isArray(v)) return v.map((x, i) => [String(i), x] as const);
  if (v instanceof JsonObject) return v.entries;
  if (v !== null && typeof v === 'object' && !(v instanceof JsonNumber)) return Object.entries(v as Record<string, unknown>);
  return null;
}

/** The lossless tree of a detail's JSON text; text the host could not have sent is shown as is. */
export function jsonOf(text: string | null): unknown {
  if (text === null) return null;
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}
