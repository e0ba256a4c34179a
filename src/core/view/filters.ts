/** What a viewer filters on (no imports: the webview bundles it). */
export interface Filters {
  /** ISO strings (inclusive); empty = open. */
  from?: string;
  to?: string;
  agent?: string;
  model?: string;
  type?: string;
  status?: '' | 'ok' | 'error';
  key?: string;
  /** Text search over decrypted (masked) content, case-insensitive. */
  text?: string;
}

export function filtersActive(f: Filters): boolean {
  return !!(f.from || f.to || f.agent || f.model || f.type || f.status || f.key || f.text);
}

