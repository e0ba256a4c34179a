/** A context menu inside the webview (row actions, columns): keyboard and mouse, closes on blur. */
import { el } from './dom';

export interface MenuItem {
  id: string;
  label: string;
  /** Key shown on the right. */
  hint?: string;
  checked?: boolean;
  run(): void;
}

let open: { box: HTMLElement; restore: HTMLElement | null } | null = null;

export function closeMenu(): void {
  if (!open) return;
  const { box, restore } = open;
  open = null;
  box.remove();
  restore?.focus();
}

/** Opens a menu at (x, y) (clamped to the window); `null` items are separators. */
export function openMenu(x: number, y: number, items: (MenuItem | null)[], label: string): void {
  closeMenu();
  const box = el('div', { class: 'menu', role: 'menu', 'aria-label': label, id: 'context-menu' });
  const buttons: HTMLButtonElement[] = [];
  for (const it of items) {
    if (!it) {
      box.append(el('div', { class: 'menu-sep', role: 'separator' }));
      continue;
    }
    const b = el('button', { class: 'menu-item', role: it.checked === undefined ? 'menuitem' : 'menuitemcheckbox', 'data-action': it.id, tabindex: '-1' },
      el('span', { class: 'check' }, it.checked ? '✓' : ''), el('span', { class: 'label' }, it.label), el('span', { class: 'hint' }, it.hint ?? ''));
    if (it.checked !== undefined) b.setAttribute('aria-checked', String(it.checked));
    b.addEventListener('click', () => {
      closeMenu();
      it.run();
    });
    buttons.push(b);
    box.append(b);
  }
  box.addEventListener('keydown', (e) => {
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const go = (i: number) => buttons[(i + buttons.length) % buttons.length]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(buttons.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') closeMenu();
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  box.addEventListener('focusout', (e) => {
    if (!box.contains(e.relatedTarget as Node)) closeMenu();
  });
  document.body.append(box);
  const r = box.getBoundingClientRect();
  box.style.left = `${Math.max(0, Math.min(x, window.innerWidth - r.width - 4))}px`;
  box.style.top = `${Math.max(0, Math.min(y, window.innerHeight - r.height - 4))}px`;
  open = { box, restore: document.activeElement as HTMLElement | null };
  buttons[0]?.focus();
}
