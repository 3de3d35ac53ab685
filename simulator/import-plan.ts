import type { DatabaseUsers } from './database-users.js';
import { EXPORTED_SCHEMA } from './log-text.js';
import type { JobOutcome } from './simulator-options.js';

/**
 * What an import job does with the dump file set it reads: which of the dump's schemas it loads (the
 * `filter` of schema names, else all), into which schema (`remap_schemas`), and the ORA- lines Data
 * Pump writes when a schema is not in the dump or a target user exists already (the job then
 * completes with errors). The simulator's exports always write the tables of `EXPORTED_SCHEMA`.
 */

/** One schema an import loads: from the dump's `source` into `target`. */
export interface ImportedSchema {
  readonly source: string;
  readonly target: string;
}

/** An import's plan, or the 400 message ORDS sends for a request Data Pump refuses. */
export type ImportPlan =
  | {
      readonly ok: true;
      readonly schemas: readonly ImportedSchema[];
      /** ORA- lines of the log (missing schemas, existing users). */
      readonly notes: readonly string[];
      readonly outcome: JobOutcome;
    }
  | { readonly ok: false; readonly message: string };

/** Reads `remap_schemas: [{source, target}]`; null when it is not a list of such pairs. */
function parseRemaps(value: unknown): Map<string, string> | null {
  if (value === undefined) return new Map();
  if (!Array.isArray(value)) return null;
  const remaps = new Map<string, string>();
  for (const item of value) {
    const { source, target } = (item ?? {}) as { source?: unknown; target?: unknown };
    if (typeof source !== 'string' || typeof target !== 'string' || !source || !target) return null;
    remaps.set(source.toUpperCase(), target.toUpperCase());
  }
  return remaps;
}

/**
 * Plans an import of a dump file set and creates its target users (Data Pump creates a remapped
 * user from the dump's USER object first, so a fatal error later leaves it behind).
 */
export function planImport(
  body: Readonly<Record<string, unknown>>,
  outcome: JobOutcome,
  users: DatabaseUsers,
  now: Date,
): ImportPlan {
  const remaps = parseRemaps(body.remap_schemas);
  if (remaps === null) {
    return {
      ok: false,
      message: `ORA-39001: invalid argument value\nremap_schemas ${JSON.stringify(body.remap_schemas)} is not a list of {"source", "target"}`,
    };
  }
  const filter =
    typeof body.filter === 'string'
      ? body.filter
          .split(',')
          .map((name) => name.trim().toUpperCase())
          .filter((name) => name !== '')
      : [];
  const inDump = [EXPORTED_SCHEMA];
  const wanted = filter.length > 0 ? filter : inDump;
  const notes: string[] = [];
  const schemas: ImportedSchema[] = [];
  for (const source of wanted) {
    if (!inDump.includes(source)) {
      notes.push(`ORA-39165: Schema ${source} was not found.`);
      continue;
    }
    const target = remaps.get(source) ?? source;
    schemas.push({ source, target });
    if (!users.create(target, now)) notes.push(`ORA-31684: Object type USER:"${target}" already exists`);
  }
  return {
    ok: true,
    schemas,
    notes,
    outcome: notes.length > 0 && outcome === 'success' ? 'errors' : outcome,
  };
}
