/** The doctor's checks: what was checked, how it went, and for a failure what to do about it. */

/** How one check went: `skipped` when something it needs failed before it (the detail says what). */
export type CheckStatus = 'ok' | 'failed' | 'skipped';

/** One check of the doctor's report. */
export interface Check {
  /** Short sentence-case name, e.g. `Authentication`. */
  readonly name: string;
  readonly status: CheckStatus;
  /** What was seen: values named, never a secret. */
  readonly detail: string;
  /** For a failure: one actionable sentence. */
  readonly fix?: string;
}

/** A check that passed. */
export function ok(name: string, detail: string): Check {
  return { name, status: 'ok', detail };
}

/** A check that failed, with what to fix. */
export function failed(name: string, detail: string, fix: string): Check {
  return { name, status: 'failed', detail, fix };
}

/** A check that did not run, and why. */
export function skipped(name: string, detail: string): Check {
  return { name, status: 'skipped', detail };
}
