import type { ExportSpec } from '../../functions/core/export-spec.js';
import { drillTargetProblem } from '../../functions/core/restore-drill-sql.js';
import { DEFAULT_SCHEDULE } from './defaults.js';
import { show } from './messages.js';
import type { RestoreDrillSettings } from './schema.js';
import type { RestoreDrillConfig } from './types.js';

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
 * Resolves a database's `restoreDrill` against its export: the drilled schema (given, or the first
 * exported one), the drill schedule's time zone. Returns the problems instead when the drilled schema
 * is unknown or not exported, or the target schema could be a real one.
 */
export function resolveRestoreDrill(
  drill: RestoreDrillSettings,
  spec: ExportSpec,
): { readonly drill?: RestoreDrillConfig; readonly problems: string[] } {
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
      `restoreDrill.schema is ${show(drill.schema)}; allowed: one of the exported schemas ${exported.join(', ')}`,
    );
  }
  const target = drillTargetProblem(drill.targetSchema, [...exported, ...(schema ? [schema] : [])]);
  if (target) problems.push(`restoreDrill.targetSchema is ${show(drill.targetSchema)}: ${target}`);
  if (problems.length > 0 || schema === undefined) return { problems };
  return {
    drill: {
      schedule: { cron: drill.schedule.cron, timeZone: drill.schedule.timeZone ?? DEFAULT_SCHEDULE.timeZone },
      targetSchema: drill.targetSchema.toUpperCase(),
      schema,
    },
    problems,
  };
}
