/**
 * A time budget per entry: masking checks it as it goes, and a string it cannot finish in time is
 * withheld (replaced by `[WITHHELD]`), never shown unmasked. The caller creates one budget per
 * entry, passes it to every maskString / maskNumberText / maskValue call of that entry, and reports
 * `exceeded` as the entry's masking status.
 */
import { performance } from 'node:perf_hooks';

export interface MaskBudget {
  /** performance.now() after which masking stops. */
  readonly deadline: number;
  /** Set once masking ran out of time: some text of the entry was withheld. */
  exceeded: boolean;
}

/** Default time for masking one entry, ample for megabytes of text. */
export const DEFAULT_MASK_BUDGET_MS = 2000;

export function maskBudget(ms: number = DEFAULT_MASK_BUDGET_MS): MaskBudget {
  return { deadline: performance.now() + ms, exceeded: false };
}

/** Thrown inside the engine when the budget ran out; maskString turns it into `[WITHHELD]`. */
export class MaskBudgetExceeded extends Error {
  constructor() {
    super('masking time budget exceeded');
    this.name = 'MaskBudgetExceeded';
  }
}

/** Milliseconds left (Infinity without a budget); throws MaskBudgetExceeded when none are. */
export function remainingMs(budget: MaskBudget | undefined): number {
  if (budget === undefined) return Infinity;
  const left = budget.deadline - performance.now();
  if (left <= 0 || budget.exceeded) {
    budget.exceeded = true;
    throw new MaskBudgetExceeded();
  }
  return left;
}
