import { z } from 'zod';
import { DATABASE_ID, FencedExecutionArnSchema, JobRefSchema, SlotHoldingSchema } from '../state/index.js';

/**
 * The restore drill's part of the state machine's data contract: what its tasks receive and return.
 * Names and counts only, never data.
 */

/** A database's restore drill as bound at deploy time (`restoreDrill` of the configuration, resolved). */
export const RestoreDrillBindingSchema = z.strictObject({
  /** When drills are due: an EventBridge Scheduler cron in its time zone. */
  schedule: z.strictObject({ cron: z.string().min(1), timeZone: z.string().min(1) }),
  /** The schema the dump is imported into, then dropped: never an existing one. */
  targetSchema: z.string().min(1),
  /** The exported schema the drill imports (remapped to `targetSchema`). */
  schema: z.string().min(1),
  /**
   * Which copy the drill restores: the files still on the server before the cleanup (`server`), or
   * this night's S3 copy after the cleanup (`s3`). Absent in bindings written before it existed:
   * they read as `server`.
   */
  source: z.enum(['server', 's3']).optional(),
});
export type RestoreDrillBinding = z.output<typeof RestoreDrillBindingSchema>;

/** Result of "Start restore drill" (`$.drill`): the import job and the database clock at its start. */
export const DrillStartedSchema = z.object({
  /** The import job, shaped like the export's so that "Read job" reads it. */
  job: JobRefSchema,
  schema: z.string().min(1),
  targetSchema: z.string().min(1),
  /** The intent record's database time (`YYYY-MM-DDTHH24:MI:SS`), written before the import POST. */
  dbTimeAtStart: z.string().min(1),
});
export type DrillStarted = z.output<typeof DrillStartedSchema>;

/** The payload of "Start restore drill". */
export const StartRestoreDrillPayloadSchema = z.object({
  executionName: z.string().min(1),
  /** The run lock's holder: the import starts only while this execution holds it. */
  executionArn: FencedExecutionArnSchema,
  database: z.string().regex(DATABASE_ID),
  /** The export's job: its dump file template is what the drill imports. */
  job: JobRefSchema,
  /** `$.slots`: checked before the drill calls ORDS (absent in executions of earlier versions). */
  slots: SlotHoldingSchema.optional(),
});
export type StartRestoreDrillPayload = z.output<typeof StartRestoreDrillPayloadSchema>;

/** The payload of "Drop drill schema". */
export const DropDrillSchemaPayloadSchema = z.object({
  executionName: z.string().min(1),
  /** The run lock's holder: `DROP USER` runs only while this execution holds it. */
  executionArn: FencedExecutionArnSchema,
  database: z.string().regex(DATABASE_ID),
  drill: DrillStartedSchema,
  /** The export's job: its log gives the rows each table must have after the import. */
  exportJob: JobRefSchema,
  /** `$.slots`: checked before the drill calls ORDS (absent in executions of earlier versions). */
  slots: SlotHoldingSchema.optional(),
});
export type DropDrillSchemaPayload = z.output<typeof DropDrillSchemaPayloadSchema>;

/** One table of the drilled schema: rows in the export log and in the import log (null: not there). */
export const TableRowsSchema = z.object({
  table: z.string().min(1),
  exported: z.number().int().min(0).nullable(),
  imported: z.number().int().min(0).nullable(),
});
export type TableRows = z.output<typeof TableRowsSchema>;

/** What the import did and what the drill removed afterwards (`$.drillOutcome`). */
export const DrillOutcomeSchema = z.object({
  verdict: z.enum(['succeeded', 'completed-with-errors', 'failed']),
  /** The import log's final line, or why there is none. */
  summary: z.string(),
  errors: z.array(z.string()),
  /** Tables and rows the import log reports as imported. */
  tables: z.number().int().min(0),
  rows: z.number().int().min(0),
  /** Every table of the drilled schema (at most 1,000 carried), exported and imported rows. */
  tableRows: z.array(TableRowsSchema).optional(),
  /** True when the schema has more tables than `tableRows` carries (all were compared). */
  tableRowsTruncated: z.boolean().optional(),
  /** Tables whose imported rows differ from the exported rows (or that are on one side only). */
  mismatchCount: z.number().int().min(0).optional(),
  /** The first mismatches, in words. */
  mismatches: z.array(z.string()).optional(),
  /** Why the rows could not be compared (the drill then fails). */
  rowsUnchecked: z.string().optional(),
  /** Whether the drill schema is gone (dropped, or never created). */
  schemaDropped: z.boolean(),
  /** Why the schema was not dropped (schemaDropped false only). */
  dropReason: z.string().optional(),
  /** The import's log or control table statements that failed (they stay on the server). */
  importLeft: z.array(z.string()).optional(),
  finishedAt: z.string().datetime(),
});
export type DrillOutcome = z.output<typeof DrillOutcomeSchema>;

/** A Catch's `$.drillError`: the error name and its cause as Step Functions passes them. */
const CaughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

/**
 * The payload of "Record restore drill": the whole state, of which it reads the run, the drill and
 * what happened (its outcome, or the error a drill step was caught with).
 */
export const RecordRestoreDrillPayloadSchema = z.object({
  database: z.string().regex(DATABASE_ID),
  run: z.object({ job: JobRefSchema, scheduledTime: z.string().min(1) }),
  drill: DrillStartedSchema.optional(),
  drillOutcome: DrillOutcomeSchema.optional(),
  drillError: CaughtErrorSchema.optional(),
});
export type RecordRestoreDrillPayload = z.output<typeof RecordRestoreDrillPayloadSchema>;

/** Result of "Record restore drill" (`$.result.restoreDrill`), part of the execution's output. */
export interface RestoreDrillResult {
  readonly succeeded: boolean;
  readonly verdict: DrillOutcome['verdict'] | 'not-run';
  /** What happened, in a sentence or two: the Fail state's cause when the drill failed. */
  readonly cause: string;
  readonly targetSchema: string;
  readonly schemaDropped: boolean;
  readonly importJobName: string | null;
  readonly tables: number;
  readonly rows: number;
  readonly durationSeconds: number | null;
  /** `s3://…/restore-drill.json`. */
  readonly report: string;
}
