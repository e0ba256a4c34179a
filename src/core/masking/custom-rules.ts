/**
 * User-defined masking rules: validation with clear messages, and compilation (cached).
 * Guards against runaway patterns: length cap, rejection of the catastrophic-backtracking shapes
 * (nested unbounded quantifiers such as `(a+)+` or `(\w*\s?)*`, repeated alternations whose
 * branches can match the same text such as `(a|aa)+`), of patterns matching the empty string,
 * and, for what a static check cannot see, matching under the entry's time budget (customMatches).
 */
import { createContext, Script } from 'node:vm';
import { MaskBudgetExceeded, remainingMs, type MaskBudget } from './budget';
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

interface Frame {
  /** Some alternation inside has branches that may start alike. */
  ambiguous: boolean;
  /** First atom of each branch so far: a literal character, or '*' when it may be anything. */
  firsts: string[];
  /** The next atom starts a branch. */
  atBranchStart: boolean;
}

/**
 * True when a group that repeats without bound holds an alternation whose branches may begin
 * with the same character (`(a|aa)+`, `(\w|\d)*`, `(.|\n)*`, `((x|xy)z?)+`): conservative, a
 * branch starting with a class, an escape, a group or nothing counts as able to begin with anything.
 */
export function hasRepeatedAmbiguousAlternation(pattern: string, ignoreCase = false): boolean {
  const frame = (): Frame => ({ ambiguous: false, firsts: [], atBranchStart: true });
  const stack: Frame[] = [frame()];
  const top = () => stack[stack.length - 1]!;
  const atom = (first: string) => {
    const f = top();
    if (f.atBranchStart) f.firsts.push(ignoreCase ? first.toLowerCase() : first);
    f.atBranchStart = false;
  };
  const closeBranches = (f: Frame) => {
    if (f.atBranchStart && f.firsts.length > 0) f.firsts.push('*'); // empty last branch
    if (f.firsts.length > 1 && (f.firsts.includes('*') || new Set(f.firsts).size < f.firsts.length)) f.ambiguous = true;
  };
  let sawBar = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const e = pattern[i + 1] ?? '';
      atom(/[dDwWsSbBpPuxck0-9]/.test(e) ? '*' : e);
      i++;
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      atom('*');
      i = j;
    } else if (c === '(') {
      atom('*');
      stack.push(frame());
      if (pattern[i + 1] === '?') {
        const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(pattern.slice(i + 1));
        if (m) i += m[0].length;
      }
    } else if (c === ')') {
      if (stack.length === 1) continue;
      const inner = stack.pop()!;
      if (sawBar) closeBranches(inner);
      const q = /^(?:[*+]|\{\d*,\})/.test(pattern.slice(i + 1, i + 12));
      if (q && inner.ambiguous) return true;
      if (inner.ambiguous) top().ambiguous = true;
    } else if (c === '|') {
      sawBar = true;
      const f = top();
      if (f.atBranchStart) f.firsts.push('*');
      f.atBranchStart = true;
    } else if (c === '.' || c === '^' || c === '$') atom('*');
    else if (!'*+?{}'.includes(c)) atom(c);
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
  if (hasRepeatedAmbiguousAlternation(rule.pattern, flags.includes('i'))) {
    return { error: `pattern /${rule.pattern}/ repeats an alternation whose branches can match the same text (like (a|aa)+); it can take exponential time` };
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

/** A context of its own, so a timeout can interrupt the regexes it runs. */
const sandbox = createContext({});
new Script(
  `globalThis.collect = function (job) {
    for (const re of job.res) {
      const found = [];
      re.lastIndex = 0;
      let m;
      while ((m = re.exec(job.text)) !== null) {
        if (m[0].length === 0) { re.lastIndex = m.index + 1; continue; }
        found.push([m.index, m.index + m[0].length]);
      }
      job.out.push(found);
    }
  }`,
).runInContext(sandbox);
const runJob = new Script('collect(job)');

/**
 * The [start, end) of every non-empty match of each compiled custom rule in `text`. With a budget,
 * the regexes run under a V8 timeout set to the time left, which interrupts even a regex stuck
 * backtracking; the budget is then marked exceeded and MaskBudgetExceeded thrown.
 */
export function customMatches(res: readonly RegExp[], text: string, budget: MaskBudget | undefined): Array<Array<[number, number]>> {
  const job = { res: [...res], text, out: [] as Array<Array<[number, number]>> };
  const left = remainingMs(budget);
  sandbox.job = job;
  try {
    runJob.runInContext(sandbox, Number.isFinite(left) ? { timeout: Math.max(1, Math.ceil(left)) } : {});
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      budget!.exceeded = true;
      throw new MaskBudgetExceeded();
    }
    throw e;
  } finally {
    delete sandbox.job;
  }
  return job.out;
}
