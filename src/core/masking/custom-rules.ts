/**
 * User-defined masking rules: validation with clear messages, and compilation (cached).
 * Guards against runaway patterns: length cap, rejection of nested unbounded quantifiers such as
 * `(a+)+` or `(\w*\s?)*` (the classic catastrophic-backtracking shape), and of patterns matching
 * the empty string.
 */
import { CUSTOM_NAME_CHARS, CUSTOM_NAME_MAX } from './markers';
import type { CustomRule } from './types';

export const CUSTOM_PATTERN_MAX_LENGTH = 500;

export class MaskRuleError extends Error {
  constructor(
    readonly ruleName: string,
    message: string,
  ) {
    super(`custom mask rule '${ruleName}': ${message}`);
    this.name = 'MaskRuleError';
  }
}

const NAME_RE = new RegExp(`^[${CUSTOM_NAME_CHARS}]{1,${CUSTOM_NAME_MAX}}$`);

/**
 * True when some group holding an unbounded quantifier (`*`, `+`, `{n,}`) is itself repeated
 * without bound. A heuristic: it does not catch every exponential pattern (e.g. `(a|a)*`).
 */
export function hasNestedUnboundedQuantifier(pattern: string): boolean {
  const stack: boolean[] = []; // per open group: contains an unbounded quantifier
  let inClass = false;
  const unboundedAt = (i: number): number => {
    // length of an unbounded quantifier starting at i, 0 if none
    const c = pattern[i];
    if (c === '*' || c === '+') return 1;
    if (c === '{') {
      const m = /^\{\d*,\}/.exec(pattern.slice(i));
      if (m) return m[0].length;
    }
    return 0;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const inner = stack.pop() ?? false;
      const q = unboundedAt(i + 1);
      if (inner && q > 0) return true;
      if (stack.length > 0 && (inner || q > 0)) stack[stack.length - 1] = true;
    } else if (unboundedAt(i) > 0 && stack.length > 0) stack[stack.length - 1] = true;
  }
  return false;
}

/** The problem with a rule, or null when it is usable. */
export function validateCustomRule(rule: CustomRule): string | null {
  return checkRule(rule).error;
}

function checkRule(rule: CustomRule): { error: string; re?: undefined } | { error: null; re: RegExp } {
  if (typeof rule.name !== 'string' || !NAME_RE.test(rule.name)) {
    return { error: `name must be 1-${CUSTOM_NAME_MAX} characters of letters, digits, '_', '.', '-'` };
  }
  if (typeof rule.pattern !== 'string' || rule.pattern.length === 0) return { error: 'pattern is empty' };
  if (rule.pattern.length > CUSTOM_PATTERN_MAX_LENGTH) {
    return { error: `pattern is ${rule.pattern.length} characters, the limit is ${CUSTOM_PATTERN_MAX_LENGTH}` };
  }
  const flags = rule.flags ?? '';
  if (!/^[gimsu]*$/.test(flags) || new Set(flags).size !== flags.length) {
    return { error: `flags '${flags}' not supported; use any of i, m, s, u once each` };
  }
  let re: RegExp;
  try {
    re = new RegExp(rule.pattern, flags.replace('g', '') + 'g');
  } catch (e) {
    return { error: `invalid pattern /${rule.pattern}/: ${(e as Error).message}` };
  }
  if (hasNestedUnboundedQuantifier(rule.pattern)) {
    return { error: `pattern /${rule.pattern}/ repeats a group that already repeats without bound (like (a+)+); it can take exponential time` };
  }
  re.lastIndex = 0;
  if (re.test('')) return { error: `pattern /${rule.pattern}/ matches the empty string` };
  re.lastIndex = 0;
  return { error: null, re };
}

const cache = new Map<string, RegExp>();
const CACHE_MAX = 256;

/** Compiles a rule to a global RegExp; throws MaskRuleError when the rule is invalid. */
export function compileCustomRule(rule: CustomRule): RegExp {
  const key = `${rule.name}\u0000${rule.pattern}\u0000${rule.flags ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const checked = checkRule(rule);
  if (checked.error !== null) throw new MaskRuleError(String(rule.name), checked.error);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, checked.re);
  return checked.re;
}
