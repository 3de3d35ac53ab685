import { drillTargetProblem } from '../functions/core/drill/index.js';
import type { ExportSpec } from '../functions/core/export/index.js';
import type { RestoreDrillProps } from './backup-props.js';

/** A restore drill with its defaults applied, names upper-cased: what the binding carries. */
export interface ResolvedRestoreDrill {
  readonly schedule: { readonly cron: string; readonly timeZone: string };
  readonly targetSchema: string;
  readonly schema: string;
  /** Absent: `server` (bindings written before it existed read the same). */
  readonly source?: 's3';
}

/**
 * The schemas an export spec names, upper-cased: SCHEMA mode's `schemas` or the names of its
 * `filter` (without wildcards). Empty when the spec does not name them (FULL, TABLE, expressions).
 */
export function exportedSchemasOf(spec: ExportSpec): string[] {
  if (spec.jobMode !== 'SCHEMA') return [];
  const names = spec.schemas ?? spec.filter?.split(',').map((name) => name.trim()) ?? [];
  if (names.some((name) => name.includes('%') || name.includes('.'))) return [];
  return names.filter((name) => name !== '').map((name) => name.toUpperCase());
}

/**
 * Resolves a database's restore drill against its export: the drilled schema (given, or the first
 * exported one) and the drill schedule's time zone (`defaultTimeZone` unless given). Returns the
 * problems instead when the drilled schema is unknown or not exported, or the target schema could be
 * a real one. The one rule set for both the JSON configuration and the construct's props.
 */
export function resolveRestoreDrill(
  drill: RestoreDrillProps,
  spec: ExportSpec,
  defaultTimeZone: string,
): { readonly drill?: ResolvedRestoreDrill; readonly problems: string[] } {
  const exported = exportedSchemasOf(spec);
  const problems: string[] = [];
  const schema = drill.schema?.toUpperCase() ?? exported[0];
  if (schema === undefined) {
    problems.push(
      `restoreDrill.schema is missing for export.jobMode ${spec.jobMode}${spec.jobMode === 'SCHEMA' ? ' without named schemas' : ''}; ` +
        'allowed: the exported schema to drill, e.g. "HR" (the drill imports one schema)',
    );
  } else if (exported.length > 0 && !exported.includes(schema)) {
    problems.push(
      `restoreDrill.schema is ${JSON.stringify(drill.schema)}; allowed: one of the exported schemas ${exported.join(', ')}`,
    );
  }
  const target = drillTargetProblem(drill.targetSchema, [...exported, ...(schema ? [schema] : [])]);
  if (target) problems.push(`restoreDrill.targetSchema is ${JSON.stringify(drill.targetSchema)}: ${target}`);
  if (problems.length > 0 || schema === undefined) return { problems };
  return {
    drill: {
      schedule: { cron: drill.schedule.cron, timeZone: drill.schedule.timeZone ?? defaultTimeZone },
      targetSchema: drill.targetSchema.toUpperCase(),
      schema,
      ...(drill.source === 's3' ? { source: 's3' as const } : {}),
    },
    problems,
  };
}
