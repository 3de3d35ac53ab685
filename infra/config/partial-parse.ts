import type { z } from 'zod';
import { joinPath, type Path } from './messages.js';

/** What `parseWhatParses` found: the issues, and the data without the values that failed. */
export interface PartialParse<T> {
  /** Every issue of the first parse, to report. */
  readonly issues: readonly z.core.$ZodIssue[];
  /** The value parsed without the failing values (so their defaults apply), or undefined if that fails too. */
  readonly data: T | undefined;
  /** The value as written, without the failing values and unknown keys. */
  readonly pruned: unknown;
  /** Whether the value at `path` (or anything inside it, or around it) failed to parse. */
  readonly failed: (path: string) => boolean;
}

/**
 * Parses `value` with `schema`; when that fails, parses it again with every failing value and
 * unknown key removed. The rules across fields then run on what parsed, skipping those that read
 * a value that failed, so one pass reports every problem of the file.
 */
export function parseWhatParses<T>(schema: z.ZodType<T>, value: unknown): PartialParse<T> {
  const first = schema.safeParse(value);
  if (first.success) return { issues: [], data: first.data, pruned: value, failed: () => false };
  const issues = first.error.issues;
  const failedPaths: string[] = [];
  let pruned: unknown = structuredClone(value);
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) pruned = without(pruned, [...issue.path, key]);
      continue;
    }
    // The first segments name the setting; an array item's problem fails its whole list.
    const end = issue.path.findIndex((segment) => typeof segment === 'number');
    const path = issue.path.slice(0, Math.min(2, end === -1 ? issue.path.length : end));
    failedPaths.push(joinPath(path));
    pruned = without(pruned, path);
  }
  const second = pruned === undefined ? undefined : schema.safeParse(pruned);
  return {
    issues,
    data: second?.success ? second.data : undefined,
    pruned,
    failed: (path) =>
      failedPaths.some(
        (failedPath) =>
          failedPath === '' ||
          failedPath === path ||
          path.startsWith(`${failedPath}.`) ||
          failedPath.startsWith(`${path}.`),
      ),
  };
}

/** `value` without the value at `path` (undefined when `path` is empty). */
function without(value: unknown, path: Path): unknown {
  if (path.length === 0) return undefined;
  let parent = value;
  for (const segment of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return value;
    parent = (parent as Record<PropertyKey, unknown>)[segment];
  }
  if (parent !== null && typeof parent === 'object') {
    delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1] as PropertyKey];
  }
  return value;
}
