import { z } from 'zod';
import { InvalidInputError } from '../base/index.js';
import { drillTargetProblem } from '../drill/index.js';
import { DATABASE_ID } from '../state/index.js';
import { parseManifestUri } from './restore-source.js';
import { SourceCheckSchema, SourceFileSchema } from './source-check.js';

/**
 * The restore state machine's input and the progress its steps carry in the state (`$.restore`);
 * see restore-run.ts.
 */

/** The execution's input: `{ database, manifest, targetSchema, schemas? }`. */
export const RestoreRequestSchema = z.object({
  database: z.string(),
  manifest: z.string(),
  targetSchema: z.string(),
  schemas: z.union([z.string(), z.array(z.string()).length(1)]).optional(),
  /** Seconds between two polls of the import. @default 60 */
  pollSeconds: z.number().int().min(1).max(3600).optional(),
});
export type RestoreRequest = z.output<typeof RestoreRequestSchema>;

/** Checks the execution's input; an InvalidInputError naming each bad value. */
export function parseRestoreRequest(input: unknown, bucket: string): RestoreRequest {
  const parsed = RestoreRequestSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
    );
    throw new InvalidInputError(
      `The restore's input must be { database, manifest, targetSchema, schemas?, pollSeconds? }: ${problems.join('; ')}`,
    );
  }
  const request = parsed.data;
  if (!DATABASE_ID.test(request.database)) {
    throw new InvalidInputError(
      `database ${JSON.stringify(request.database)} is not a database id (2 to 32 of a-z, 0-9 and -, starting with a letter)`,
    );
  }
  const where = parseManifestUri(request.manifest);
  if (where.bucket !== bucket) {
    throw new InvalidInputError(
      `manifest ${JSON.stringify(request.manifest)} is not in this deployment's bucket ${bucket}`,
    );
  }
  const problem = drillTargetProblem(request.targetSchema, []);
  if (problem)
    throw new InvalidInputError(`targetSchema ${JSON.stringify(request.targetSchema)}: ${problem}`);
  return request;
}

const CheckedSchema = z.object({
  restoreId: z.string().regex(/^R[0-9A-F]{10}$/),
  manifestUri: z.string().min(1),
  manifestKey: z.string().min(1),
  manifestBytes: z.number().int().min(0),
  database: z.string().regex(DATABASE_ID),
  dumpFile: z.string().min(1),
  schema: z.string().min(1),
  targetSchema: z.string().min(1),
  directory: z.string().min(1),
  files: z.array(SourceFileSchema).min(1),
  exportLog: z.object({ key: z.string().min(1), versionId: z.string().min(1).optional() }).nullable(),
  exported: z.object({ tables: z.number().nullable(), rows: z.number().nullable() }),
});
export type CheckedRestore = z.output<typeof CheckedSchema>;

/**
 * `$.restore` while "Check backup in S3" runs again: `{ done: false }` before its first call, then
 * how far the check of the files in S3 got (`checking`).
 */
export const RestoreCheckingSchema = z.object({
  done: z.literal(false),
  checking: SourceCheckSchema.optional(),
});
export type RestoreChecking = z.output<typeof RestoreCheckingSchema>;

/** `$.restore`: what the checks found and how far the files got. */
export const RestoreProgressSchema = z.object({
  done: z.boolean(),
  /** Seconds between two polls of the import ("Wait for import"). */
  pollSeconds: z.number().int().min(1),
  checked: CheckedSchema,
  path: z.enum(['get-object', 'chunked']).optional(),
  digest: z.enum(['sha256', 'size']).optional(),
  fallbackReason: z.string().optional(),
});
export type RestoreProgress = z.output<typeof RestoreProgressSchema>;
