/** Building MaskOptions: defaults (everything masked), none, and from a CLI category list. */
import { MASK_CATEGORIES, type CustomRule, type MaskCategory, type MaskOptions } from './types';

function allCategories(on: boolean): Record<MaskCategory, boolean> {
  return Object.fromEntries(MASK_CATEGORIES.map((c) => [c, on])) as Record<MaskCategory, boolean>;
}

/** Every category on: masked is the default everywhere. */
export function defaultMaskOptions(custom: CustomRule[] = []): MaskOptions {
  return { enabled: allCategories(true), custom: [...custom] };
}

/** Every category off: text passes through (writer markers are still reported). */
export function unmaskedOptions(): MaskOptions {
  return { enabled: allCategories(false), custom: [] };
}

/** Only the listed categories on. */
export function optionsForCategories(categories: readonly MaskCategory[], custom: CustomRule[] = []): MaskOptions {
  const enabled = allCategories(false);
  for (const c of categories) enabled[c] = true;
  return { enabled, custom: [...custom] };
}

const ALIASES: Record<string, MaskCategory> = {
  email: 'email',
  emails: 'email',
  phone: 'phone',
  phones: 'phone',
  ssn: 'ssn',
  'credit-card': 'credit-card',
  card: 'credit-card',
  cards: 'credit-card',
  cc: 'credit-card',
  'api-key': 'api-key',
  'api-keys': 'api-key',
  apikey: 'api-key',
  token: 'api-key',
  tokens: 'api-key',
  'ip-address': 'ip-address',
  ip: 'ip-address',
  ips: 'ip-address',
  'sensitive-key': 'sensitive-key',
  'sensitive-keys': 'sensitive-key',
  keys: 'sensitive-key',
  custom: 'custom',
};

/**
 * Parses a CLI list such as `email,phone` (case-insensitive, spaces and `_` allowed, duplicates
 * dropped, order of MASK_CATEGORIES). `all` means every category, `none` or an empty string none.
 * Throws an Error naming the valid values on an unknown name.
 */
export function parseCategoryList(s: string): MaskCategory[] {
  const picked = new Set<MaskCategory>();
  for (const raw of s.split(',')) {
    const name = raw.trim().toLowerCase().replace(/_/g, '-');
    if (name === '' || name === 'none') continue;
    if (name === 'all') {
      MASK_CATEGORIES.forEach((c) => picked.add(c));
      continue;
    }
    if (!Object.hasOwn(ALIASES, name)) {
      throw new Error(`unknown mask category '${raw.trim()}'; expected a comma-separated list of: ${MASK_CATEGORIES.join(', ')}, all, none`);
    }
    picked.add(ALIASES[name]!);
  }
  return MASK_CATEGORIES.filter((c) => picked.has(c));
}
