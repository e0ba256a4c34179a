/** Tiny DOM helpers of the webview. Every text from the log goes in through text nodes, never HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

export function button(label: string, title: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = el('button', { title, ...(id ? { id } : {}) }, label);
  b.addEventListener('click', onClick);
  return b;
}

export function fmtTime(t: string | null): string {
  if (!t) return '';
  return t.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z');
}
