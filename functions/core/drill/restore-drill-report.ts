import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../ords/index.js';
import { backupFolder } from '../state/index.js';
import type {
  DrillOutcome,
  RecordRestoreDrillPayload,
  RestoreDrillResult,
} from './restore-drill-payloads.js';
import {
  LAST_RESTORE_DRILL_VERSION,
  RESTORE_DRILL_FILE,
  updateLastRestoreDrill,
  writeDrillReport,
} from './restore-drill-record.js';

/** What `recordRestoreDrill` needs. */
export interface RecordRestoreDrillDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** The message of a caught task error (Lambda's cause is JSON with `errorMessage`). */
function causeOf(error: { readonly Error: string; readonly Cause?: string | undefined }): string {
  try {
    const parsed = JSON.parse(error.Cause ?? '') as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the cause as it is.
  }
  return error.Cause ? `${error.Error}: ${error.Cause}` : error.Error;
}

/** True when every table's imported rows equal its exported rows (and they were compared). */
function rowsCameBack(outcome: DrillOutcome): boolean {
  return (
    outcome.rowsUnchecked === undefined && outcome.tableRows !== undefined && outcome.mismatchCount === 0
  );
}

/** What the row comparison says, when it failed. */
function rowSentences(outcome: DrillOutcome, target: string): string[] {
  if (outcome.verdict !== 'succeeded' || rowsCameBack(outcome)) return [];
  if (outcome.rowsUnchecked !== undefined || outcome.tableRows === undefined) {
    return [
      `The rows imported into ${target} could not be compared with the export's: ${outcome.rowsUnchecked ?? 'no comparison was made'}.`,
    ];
  }
  const count = outcome.mismatchCount ?? 0;
  const more =
    count > (outcome.mismatches?.length ?? 0) ? ` (first ${outcome.mismatches?.length} shown)` : '';
  return [
    `${count} table(s) did not come back with the rows exported${more}:`,
    ...(outcome.mismatches ?? []),
  ];
}

/**
 * Records a drill: `restore-drill.json` beside the manifest (written once), and the database's
 * `last-restore-drill.json`. The drill succeeded only when the import log says it succeeded, it
 * imported at least one table (an import of nothing proves nothing), each table of the drilled schema
 * came back with the rows its export log reports, and the drill schema existed
 * after the import and is gone after the drop. The backup is never touched: a failed drill keeps its manifest and its
 * last-backup record; the execution fails after the cleanup, with this result's cause.
 */
export async function recordRestoreDrill(
  deps: RecordRestoreDrillDeps,
  input: RecordRestoreDrillPayload & { readonly prefix: string; readonly targetSchema: string },
): Promise<RestoreDrillResult> {
  const { drill, drillOutcome: outcome, drillError, run, database } = input;
  const target = drill?.targetSchema ?? input.targetSchema.toUpperCase();
  const importJob = drill ? `${drill.job.owner}.${drill.job.jobName}` : null;
  const subject = `The restore drill of database "${database}"`;
  const succeeded =
    outcome?.verdict === 'succeeded' &&
    outcome.tables > 0 &&
    rowsCameBack(outcome) &&
    outcome.schemaDropped &&
    drillError === undefined;
  const sentences: string[] = [];
  if (outcome) {
    const loaded = `import ${importJob} of schema ${drill?.schema} into ${target}: ${outcome.tables} table(s), ${outcome.rows} row(s)`;
    sentences.push(
      outcome.verdict === 'succeeded'
        ? `${subject} ${succeeded ? 'succeeded' : 'imported the dump'}: ${loaded}.`
        : `${subject} failed: the ${loaded}; the log says "${outcome.summary}".`,
      ...outcome.errors.slice(0, 5),
      ...(outcome.verdict === 'succeeded' && outcome.tables === 0
        ? [`The import loaded no table into ${target}: a drill passes only when the data came back.`]
        : []),
      ...rowSentences(outcome, target),
      outcome.schemaDropped
        ? `${target} was dropped.`
        : `${outcome.dropReason ?? `${target} was not dropped`}.`,
    );
  }
  if (drillError) {
    const message = causeOf(drillError);
    sentences.push(message.startsWith(subject) ? message : `${subject} failed: ${message}`);
    if (drill && !outcome) sentences.push(`${target} may be left on the database: check it and drop it.`);
  }
  if (!outcome && !drillError) sentences.push(`${subject} failed: it did not run.`);
  if (!succeeded) sentences.push('The backup itself is stored and verified; its manifest is unchanged.');
  const cause = sentences.join('\n');

  const folder = backupFolder(input.prefix, database, run.job.startedAt, run.job.jobName);
  const key = `${folder}${RESTORE_DRILL_FILE}`;
  const now = deps.now();
  const durationSeconds =
    drill && outcome
      ? Math.max(0, Math.round((Date.parse(outcome.finishedAt) - Date.parse(drill.job.startedAt)) / 1000))
      : null;
  const result: RestoreDrillResult = {
    succeeded,
    verdict: outcome?.verdict ?? 'not-run',
    cause,
    targetSchema: target,
    schemaDropped: outcome?.schemaDropped ?? false,
    importJobName: drill?.job.jobName ?? null,
    tables: outcome?.tables ?? 0,
    rows: outcome?.rows ?? 0,
    durationSeconds,
    report: `s3://${deps.bucket}/${key}`,
  };
  await writeDrillReport(deps, key, {
    database,
    backupJobName: run.job.jobName,
    schema: drill?.schema ?? null,
    ...result,
    errors: outcome?.errors ?? [],
    summary: outcome?.summary ?? null,
    tableRows: outcome?.tableRows ?? [],
    tableRowsTruncated: outcome?.tableRowsTruncated ?? false,
    mismatchCount: outcome?.mismatchCount ?? null,
    mismatches: outcome?.mismatches ?? [],
    writtenAt: now.toISOString(),
  });
  await updateLastRestoreDrill(deps, input.prefix, database, (last) => ({
    lastRestoreDrillVersion: LAST_RESTORE_DRILL_VERSION,
    database,
    attemptedFor: new Date(run.scheduledTime).toISOString(),
    attemptedAt: now.toISOString(),
    succeeded,
    lastSuccessAt: succeeded ? now.toISOString() : (last?.lastSuccessAt ?? null),
    report: result.report,
  }));
  if (succeeded) deps.logger.info('Restore drill recorded', { ...result });
  else deps.logger.error('Restore drill failed', { ...result });
  return result;
}
