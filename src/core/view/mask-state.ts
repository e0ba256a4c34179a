/** One editor's masking choices: every category masked unless the user unmasked it (never persisted). */
import { defaultMaskOptions, MASK_CATEGORIES, type MaskCategory, type MaskOptions } from '../masking';
import type { MaskCategoryState } from './types';

export const CATEGORY_LABELS: Record<string, string> = {
  email: 'E-mail',
  phone: 'Phone',
  ssn: 'SSN',
  'credit-card': 'Card',
  'api-key': 'API keys/tokens',
  'ip-address': 'IP',
  'sensitive-key': 'Secret fields',
  custom: 'Custom',
};

export class MaskState {
  private masked: Record<string, boolean> = Object.fromEntries(MASK_CATEGORIES.map((c) => [c, true]));

  options(): MaskOptions {
    const o = defaultMaskOptions();
    for (const c of MASK_CATEGORIES) o.enabled[c as MaskCategory] = this.masked[c] !== false;
    return o;
  }

  states(): MaskCategoryState[] {
    return MASK_CATEGORIES.map((c) => ({ id: c, label: CATEGORY_LABELS[c] ?? c, masked: this.masked[c] !== false }));
  }

  /** Categories shown unmasked. */
  unmasked(): string[] {
    return MASK_CATEGORIES.filter((c) => this.masked[c] === false);
  }

  /** The known categories of a request (unknown names and non-booleans dropped), and which of them it would unmask. */
  change(categories: Record<string, unknown>): { known: [string, boolean][]; unmasking: string[] } {
    const known = Object.entries(categories).filter((kv): kv is [string, boolean] => (MASK_CATEGORIES as readonly string[]).includes(kv[0]) && typeof kv[1] === 'boolean');
    return { known, unmasking: known.filter(([c, masked]) => !masked && this.masked[c] !== false).map(([c]) => c) };
  }

  apply(known: [string, boolean][]): void {
    this.masked = { ...this.masked, ...Object.fromEntries(known) };
  }
}
