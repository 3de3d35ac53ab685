import type { ExportSpec } from '../functions/core/export-spec.js';
import { drillTargetProblem } from '../functions/core/restore-drill-sql.js';
import type { BackupSchedule } from './backup-props.js';

/** A database's opt-in restore drill, as `DatabaseProps.restoreDrill` takes it. */
export interface RestoreDrillProps {
  /**
   * When drills are due: the first backup at or after each start of this schedule imports its dump
   * into `targetSchema`, then drops it. A weekly cron, e.g. `{ cron: '0 2 ? * SUN *' }`.
   */
  readonly schedule: BackupSchedule;
  /**
   * The new schema the drill imports into and then drops: an unquoted Oracle identifier that is no
   * exported schema and no Oracle-maintained one. It must not exist when a drill starts.
   */
  readonly targetSchema: string;
  /**
   * The exported schema the drill imports.
   * @default - the first exported schema; required for FULL exports and filters that name none
   */
  readonly schema?: string;
}

/** A restore drill with its defaults applied, names upper-cased: what the binding carries. */
export interface ResolvedRestoreDrill {
  readonly schedule: { readonly cron: string; readonly timeZone: string };
  readonly targetSchema: string;
  readonly schema: string;
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
    },
    problems,
  };
}
