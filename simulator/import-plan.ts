import type { DatabaseUsers } from './database-users.js';
import { EXPORTED_SCHEMA } from './log-text.js';
import type { JobOutcome } from './switch-types.js';

/**
 * What an import job does with the dump file set it reads: which of the dump's schemas it loads
 * (`schema_expressions`, else all; `filter` is an export field that an import ignores, as ORDS ignores
 * every unknown key), into which schema (`remap_schemas`), and the ORA- lines Data
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
 * The schema names of `schema_expressions: [{"expression": "IN ('HR','SALES')"}]` (also `= 'HR'`):
 * undefined when absent (every schema of the dump), null when not of that form.
 */
function parseSchemaExpressions(value: unknown): string[] | null | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) return null;
  const names: string[] = [];
  for (const item of value) {
    const expression = (item ?? {}) as { expression?: unknown };
    if (typeof expression.expression !== 'string') return null;
    const match = /^\s*(?:IN\s*\((.*)\)|=\s*(.*))\s*$/i.exec(expression.expression);
    const list = match?.[1] ?? match?.[2];
    if (list === undefined) return null;
    for (const quoted of list.split(',')) {
      const name = /^\s*'([A-Za-z0-9_$#]+)'\s*$/.exec(quoted)?.[1];
      if (name === undefined) return null;
      names.push(name.toUpperCase());
    }
  }
  return names;
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
  const named = parseSchemaExpressions(body.schema_expressions);
  if (named === null) {
    return {
      ok: false,
      message: `ORA-39001: invalid argument value\nschema_expressions ${JSON.stringify(body.schema_expressions)} is not a list of {"expression": "IN ('NAME')"}`,
    };
  }
  const inDump = [EXPORTED_SCHEMA];
  const wanted = named ?? inDump;
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
