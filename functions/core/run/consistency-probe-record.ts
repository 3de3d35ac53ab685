import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { jsonObjectInput, toStorageError } from '../base/index.js';
import type { Logger } from '../ords/index.js';

/**
 * The probe result of a database, recorded beside its backups as
 * `<prefix><database>/consistency-probe.json`, so that later runs of an `auto` database do not probe
 * again: `refused` → straight to the ORDS export POST (still per-table with the reason, each night),
 * `served` → the point-in-time path. Created with `If-None-Match: *`, replaced with `If-Match` on the
 * ETag read. A record made against another ORDS URL is ignored (an ORDS moved or upgraded is probed
 * again). To probe again by hand: delete the object (docs/consistency.md).
 */

/** The record's file name under the database's prefix (the IAM grants match `*\/consistency-probe.json`). */
export const CONSISTENCY_PROBE_FILE = 'consistency-probe.json';

/** `<prefix><database>/consistency-probe.json`. */
export function consistencyProbeKey(prefix: string, database: string): string {
  return `${prefix}${database}/${CONSISTENCY_PROBE_FILE}`;
}

export const ConsistencyProbeRecordSchema = z.object({
  probeVersion: z.literal(1),
  database: z.string().min(1),
  /** The ORDS URL probed (the binding's): a record for another URL does not count. */
  ordsUrl: z.string().min(1),
  outcome: z.enum(['served', 'refused']),
  /** Why ORDS refused (the answer it gave); absent when it served. */
  reason: z.string().min(1).max(2000).optional(),
  /** ISO time of the probe, and the execution that made it. */
  probedAt: z.string().datetime(),
  executionName: z.string().min(1),
});
export type ConsistencyProbeRecord = z.output<typeof ConsistencyProbeRecordSchema>;

/** Where the records live. */
export interface ProbeRecordStore {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
}

/** A record read back, with the ETag a replacement must match. */
export interface ReadProbeRecord {
  readonly record: ConsistencyProbeRecord | null;
  /** The object's ETag; null when there is no object. */
  readonly etag: string | null;
}

/**
 * Reads the database's probe record. No object → `{record: null, etag: null}`. An object that is not
 * a valid record is ignored with a warning (the run probes again and replaces it).
 */
export async function readProbeRecord(
  store: ProbeRecordStore,
  prefix: string,
  database: string,
): Promise<ReadProbeRecord> {
  const key = consistencyProbeKey(prefix, database);
  let text: string;
  let etag: string | null;
  try {
    const object = await store.s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
    etag = object.ETag ?? null;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return { record: null, etag: null };
    throw toStorageError(error, store.bucket, key);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const parsed = ConsistencyProbeRecordSchema.safeParse(json);
  if (!parsed.success || parsed.data.database !== database) {
    store.logger.warn('The consistency probe record is not valid: probing again', { key });
    return { record: null, etag };
  }
  return { record: parsed.data, etag };
}

/**
 * Writes the probe record: creates it (`If-None-Match: *`) or replaces the version read (`If-Match`).
 * A write another execution won (412/409) or a failed write is logged, never fatal: the record only
 * saves a probe, and the run already knows the answer.
 */
export async function writeProbeRecord(
  store: ProbeRecordStore,
  prefix: string,
  record: ConsistencyProbeRecord,
  etag: string | null,
): Promise<boolean> {
  const key = consistencyProbeKey(prefix, record.database);
  try {
    await store.s3.send(
      new PutObjectCommand(
        jsonObjectInput(store.bucket, key, ConsistencyProbeRecordSchema.parse(record), {
          ...(etag === null ? { IfNoneMatch: '*' } : { IfMatch: etag }),
        }),
      ),
    );
    store.logger.info('Consistency probe recorded', { key, outcome: record.outcome });
    return true;
  } catch (error) {
    store.logger.warn('Could not record the consistency probe: the next run probes again', {
      key,
      error: toStorageError(error, store.bucket, key).message,
    });
    return false;
  }
}
