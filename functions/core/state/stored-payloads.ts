import { z } from 'zod';
import { StoredFileSchema } from './copy-payloads.js';
import {
  FencedExecutionArnSchema,
  JobRefSchema,
  STARTED_BY,
  TaskTargetShape,
  type Verdict,
  VerdictResultSchema,
} from './payloads.js';

/** After the copy: the state machine's data contract of "Write manifest" and "Clean up server". */

/** Payload of "Write manifest". */
export const WriteManifestPayloadSchema = z.object({
  ...TaskTargetShape,
  job: JobRefSchema,
  verdict: VerdictResultSchema,
  stored: z.array(StoredFileSchema),
  /** `$.run.scheduledTime`; absent from executions started before it existed. */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  /** `$.run.startedBy`; absent from executions started before it existed. */
  startedBy: z.enum(STARTED_BY).optional(),
});
export type WriteManifestPayload = z.output<typeof WriteManifestPayloadSchema>;

/** Result of "Write manifest": the execution's output, readable in the Step Functions console. */
export interface BackupSummary {
  readonly database: string;
  readonly verdict: Verdict;
  readonly jobName: string;
  readonly manifest: string;
  readonly files: ReadonlyArray<{ readonly name: string; readonly bytes: number; readonly uri: string }>;
  readonly totalBytes: number;
  readonly durationSeconds: number;
  readonly throughputMiBps: number;
  /**
   * How consistent the backup is: `point-in-time`, or `per-table: <why>` (e.g. `per-table: point-in-time
   * not enabled`), so that the console never hides a per-table backup.
   */
  readonly consistency: string;
  /** The retention tier (with retention tiers). */
  readonly tier?: string;
  /** The first instant the lifecycle may delete the backup (with retention tiers). */
  readonly deletableFrom?: string;
}

/** When "Clean up server" runs: after a stored backup, or after an export that failed. */
export const CLEANUP_PHASES = ['after-backup', 'after-failure'] as const;
export type CleanupPhase = (typeof CLEANUP_PHASES)[number];

/** Payload of "Clean up server" and "Remove dump files". */
export const CleanUpServerPayloadSchema = z.object({
  ...TaskTargetShape,
  executionArn: FencedExecutionArnSchema,
  job: JobRefSchema,
  verdict: VerdictResultSchema,
  phase: z.enum(CLEANUP_PHASES),
});
export type CleanUpServerPayload = z.output<typeof CleanUpServerPayloadSchema>;

/**
 * Payload of "Record cleanup failure": the cleanup step failed for good, so its function records the
 * database's ServerCleanupFailed = 1 for it (the step that failed could not).
 */
export const RecordCleanupFailurePayloadSchema = z.strictObject({
  ...TaskTargetShape,
  phase: z.literal('record-failure'),
});

/** What the cleanup function receives: a cleanup to run, or a failed one to record. */
export const CleanUpServerTaskPayloadSchema = z.discriminatedUnion('phase', [
  CleanUpServerPayloadSchema,
  RecordCleanupFailurePayloadSchema,
]);

/** Result of a cleanup (`$.result.serverCleanup` of a complete backup): what was removed, or why not. */
export interface ServerCleanupResult {
  /** `done`: all removed; `failed`: something is left, `reason` says what and how to fix it; `off`: configured. */
  readonly serverCleanup: 'done' | 'failed' | 'off';
  /** Files removed from the job's directory (or already gone). */
  readonly removedFiles: readonly string[];
  /** `OWNER.JOB` of the dropped control table, or null. */
  readonly droppedControlTable: string | null;
  /** Why cleanup failed and how to fix it (failed only). */
  readonly reason?: string;
  /** `s3://…/server-cleanup.json` (after a stored backup only). */
  readonly report?: string;
}
