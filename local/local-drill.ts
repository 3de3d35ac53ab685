import type { RestoreDrillResult } from '../functions/core/drill/index.js';
import { checkDrillTarget } from '../functions/core/drill/index.js';
import type { ExportSpec } from '../functions/core/export/index.js';
import { exportedSchemasOf } from '../infra/restore-drill-settings.js';
import { EXPORTED_SCHEMA } from '../simulator/index.js';

/**
 * `npm start -- --restore-drill SCHEMA`: the local binding's restore drill, and the summary lines
 * that say how it went. The run forces the drill (`restoreDrill: true` in its input), so it drills
 * whatever an earlier drill record says.
 */

/**
 * The binding's `restoreDrill` for a local run into `targetSchema`: the drilled schema is the first
 * exported one, else the simulator's (its exports hold HR), else the ORDS user's own schema (a
 * SCHEMA export without schemas exports it). Throws naming the flag when none is known.
 */
export function localRestoreDrill(
  targetSchema: string,
  spec: ExportSpec,
  options: { readonly simulator: boolean; readonly username: string | undefined },
) {
  const schema =
    exportedSchemasOf(spec)[0] ??
    (options.simulator
      ? EXPORTED_SCHEMA
      : spec.jobMode === 'SCHEMA'
        ? options.username?.toUpperCase()
        : undefined);
  if (!schema) {
    throw new Error(
      '--restore-drill needs to know which schema to drill: give --export with "schemas" (the first is drilled)',
    );
  }
  return {
    // Forced in the run's input; the schedule only matters for later due-ness.
    schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
    targetSchema: checkDrillTarget(targetSchema, [schema, ...exportedSchemasOf(spec)]),
    schema,
  };
}

/** The summary lines about the restore drill of a complete backup, from the execution output. */
export function describeRestoreDrill(output: unknown): string[] {
  const drill = (output as { restoreDrill?: Partial<RestoreDrillResult> } | null)?.restoreDrill;
  if (!drill) return [];
  const lines = [
    drill.succeeded
      ? `  drill    succeeded: ${drill.tables} table(s), ${drill.rows} row(s) imported into ${drill.targetSchema}` +
        (drill.durationSeconds === null || drill.durationSeconds === undefined
          ? ''
          : ` in ${drill.durationSeconds} s`)
      : `  drill    FAILED: ${drill.cause ?? ''}`,
    drill.schemaDropped
      ? `           drill schema ${drill.targetSchema} removed`
      : `           drill schema ${drill.targetSchema} NOT removed (see above)`,
  ];
  if (drill.report) lines.push(`           recorded in ${drill.report}`);
  return lines;
}
