import { OrdsResponseError } from '../base/index.js';
import { sanitizeSnippet } from '../ords/index.js';

/**
 * Reading REST-enabled SQL's 200 answer to one of the restore's blocks: its ORA- error, or the values
 * of its OUT binds (ORDS returns each bind of the item with `result` set for OUT binds).
 */

/** How one block ended. */
export type BlockAnswer =
  | { readonly ok: true; readonly out: ReadonlyMap<string, unknown> }
  | { readonly ok: false; readonly errorCode: number; readonly errorDetails: string };

/** Parses the answer of a request of one statement; `what` names it in errors. */
export function parseBlockAnswer(json: unknown, what: string): BlockAnswer {
  const items = (json as { items?: unknown } | null)?.items;
  if (!Array.isArray(items) || items.length !== 1) {
    throw new OrdsResponseError(
      `REST-enabled SQL answered ${what} without exactly one item: ${sanitizeSnippet(JSON.stringify(json) ?? '', 200)}`,
    );
  }
  const item = (items[0] ?? {}) as { errorCode?: unknown; errorDetails?: unknown; binds?: unknown };
  if (item.errorCode !== undefined && item.errorCode !== null) {
    const code = Number(item.errorCode);
    const details = typeof item.errorDetails === 'string' ? item.errorDetails : '';
    return {
      ok: false,
      errorCode: Number.isFinite(code) ? code : -1,
      errorDetails: sanitizeSnippet(details, 400) || `ORA-${String(item.errorCode)}`,
    };
  }
  const out = new Map<string, unknown>();
  for (const bind of Array.isArray(item.binds) ? item.binds : []) {
    const { name, result } = (bind ?? {}) as { name?: unknown; result?: unknown };
    if (typeof name === 'string' && result !== undefined) out.set(name.toLowerCase(), result);
  }
  return { ok: true, out };
}

/** An OUT bind holding a whole number ≥ -1, or an `OrdsResponseError` naming what came instead. */
export function outCount(
  answer: { readonly out: ReadonlyMap<string, unknown> },
  name: string,
  what: string,
): number {
  const raw = answer.out.get(name);
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < -1) {
    throw new OrdsResponseError(
      `REST-enabled SQL ran ${what} but its OUT bind ${name} holds ${sanitizeSnippet(JSON.stringify(raw) ?? 'nothing', 80)}, not a byte count`,
    );
  }
  return value;
}

/** Whether an error is PLS-00201 for `packageName` (ORA-06550): the package is missing or not granted. */
export function isMissingPackage(answer: BlockAnswer, packageName: string): boolean {
  return (
    !answer.ok &&
    (answer.errorCode === 6550 || answer.errorCode === 201) &&
    new RegExp(`PLS-00201[^\\n]*${packageName}`, 'i').test(answer.errorDetails)
  );
}
