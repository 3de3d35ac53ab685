import { z } from 'zod';
import { DATABASE_ID } from './payloads.js';

/** Payloads of "Check off-site copy" (issue 26): the proof that a run's objects replicated. */

const target = {
  executionName: z.string().min(1),
  executionArn: z.string().min(1).optional(),
  database: z.string().regex(DATABASE_ID),
};

/** Payload of "Check off-site copy": the run's manifest and when the first check started. */
export const CheckOffsiteCopyPayloadSchema = z.strictObject({
  ...target,
  phase: z.literal('check'),
  manifest: z.string().regex(/^s3:\/\/[^/]+\/.+\/manifest\.json$/, 'must be s3://<bucket>/…/manifest.json'),
  /** When the first check started; empty on the first check (the state machine has no clock). */
  since: z.union([z.literal(''), z.iso.datetime({ offset: true })]),
});

/** Payload of "Record off-site failure": the check step failed for good; the alarm is raised for it. */
export const RecordOffsiteFailurePayloadSchema = z.strictObject({
  ...target,
  phase: z.literal('record-failure'),
});

/** What the off-site check function receives. */
export const OffsiteCopyTaskPayloadSchema = z.discriminatedUnion('phase', [
  CheckOffsiteCopyPayloadSchema,
  RecordOffsiteFailurePayloadSchema,
]);
