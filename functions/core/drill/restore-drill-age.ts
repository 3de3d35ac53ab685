import type { S3Client } from '@aws-sdk/client-s3';
import type { Parameter } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { readLastRestoreDrill } from './restore-drill-record.js';

/**
 * The age of a database's last successful restore drill, for the hourly backup-age check: from
 * `last-restore-drill.json`'s `lastSuccessAt`, or from the binding's LastModifiedDate while no drill
 * has succeeded yet (so a drill that never runs or always fails alarms as surely as one that stopped).
 * Databases without a drill get nothing.
 */

/** The part of a binding read here. */
const DrillBindingSchema = z.object({
  prefix: z.string(),
  restoreDrill: z.object({}).passthrough().optional(),
});

/** The hours since the database's last successful drill, or null when it has no drill. */
export async function restoreDrillAgeHours(
  deps: { readonly s3: Pick<S3Client, 'send'>; readonly bucket: string; readonly now: () => Date },
  database: string,
  parameter: Parameter,
): Promise<number | null> {
  let value: unknown;
  try {
    value = JSON.parse(parameter.Value ?? '');
  } catch {
    return null;
  }
  const binding = DrillBindingSchema.safeParse(value);
  if (!binding.success || !binding.data.restoreDrill) return null;
  const record = await readLastRestoreDrill(
    { s3: deps.s3 as S3Client, bucket: deps.bucket },
    binding.data.prefix,
    database,
  );
  const since = record?.lastSuccessAt ? new Date(record.lastSuccessAt) : parameter.LastModifiedDate;
  if (!since)
    throw new Error(`Parameter "${parameter.Name}" has no LastModifiedDate and no drill succeeded yet`);
  const hours = (deps.now().getTime() - since.getTime()) / 3_600_000;
  return Math.max(0, Math.round(hours * 10) / 10);
}
