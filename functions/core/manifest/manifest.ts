import {
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { jsonObjectInput, ManifestExistsError, StorageRejectedError, toStorageError } from '../base/index.js';
import type { ConsistentOptions, ExportSpec } from '../export/index.js';
import type { Logger } from '../ords/index.js';
import { taggingHeader } from '../retention/index.js';
import type {
  BackupSummary,
  ExportedObjects,
  Fallback,
  StartedBy,
  StoredFile,
  Verdict,
  WriteManifestPayload,
} from '../state/index.js';
import { backupFolder, manifestKey } from '../state/index.js';
import type { ManifestRetention, RetentionPlan } from './backup-retention.js';
import {
  describeConsistency,
  type ManifestConsistency,
  manifestConsistency,
} from './manifest-consistency.js';
import {
  type ManifestExportSpec,
  type ManifestSource,
  manifestExportSpec,
  manifestSource,
} from './manifest-source.js';

/**
 * Bumped when a field changes meaning; readers check it. 2: each file carries S3's FULL_OBJECT
 * CRC-32 (`checksum`), `versionId` when versioned, and `sha256` only when copied in one invocation.
 * 3: what a restore needs: `dumpFile`, `source`, `exportSpec`, `exported`, `toolVersion`, `scheduledTime`, `startedBy`.
 */
export const MANIFEST_VERSION = 3;

/** The manifest: written last, its presence marks a complete, verified backup. */
export interface Manifest {
  readonly manifestVersion: typeof MANIFEST_VERSION;
  readonly database: string;
  readonly jobName: string;
  readonly owner: string;
  readonly jobMode: string;
  readonly runId: string;
  /** The dump file template sent to Data Pump, with `%U`: impdp's `dumpfile=`. */
  readonly dumpFile: string;
  readonly verdict: Verdict;
  /** The Data Pump log's final line. */
  readonly summary: string;
  /** ORA- lines from the log (completed-with-errors runs). */
  readonly errors: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly bucket: string;
  readonly files: readonly StoredFile[];
  /**
   * The digests the files carry: `CRC32`, S3's FULL_OBJECT CRC-32 of every file (`checksum`), and
   * `SHA256` when some file has a `sha256` (the database records it, `recordSha256`, and the file was
   * copied within one invocation). Absent in manifests written before it: CRC-32 on every file,
   * SHA-256 on the files that show one.
   */
  readonly digests: readonly Digest[];
  readonly totalBytes: number;
  /** The database and the ORDS host and path it was exported through (never credentials). */
  readonly source: ManifestSource;
  /** What Data Pump was asked to export (job mode, directory, schemas, filter, expressions). */
  readonly exportSpec: ManifestExportSpec;
  /** What the log says was exported: schemas with table and row counts; null when not read. */
  readonly exported: ExportedObjects | null;
  /** Version of ords-datapump-backup that wrote the manifest. */
  readonly toolVersion: string;
  /** The schedule's time for the run; null for a run started by hand (or not known). */
  readonly scheduledTime: string | null;
  /** Who started the run; null when the execution predates the field. */
  readonly startedBy: StartedBy | null;
  /**
   * What the run did differently because ORDS answered as an older or stricter version does
   * (`keep-master-refused`, `file-name-ignored`; docs/ords-support.md); empty when nothing.
   */
  readonly fallbacks: readonly Fallback[];
  /**
   * How consistent the data is: the path that started the job, `point-in-time` or `per-table`, and
   * why it is not point-in-time. Absent in manifests written before it: those are per-table.
   */
  readonly consistency: ManifestConsistency;
  /** The backup's retention tier and first possible deletion; absent without retention tiers. */
  readonly retention?: ManifestRetention;
}

/** A digest a manifest's files carry. */
export type Digest = 'CRC32' | 'SHA256';

/** What `writeManifest` needs. */
export interface WriteManifestDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Version of this project, recorded in the manifest. */
  readonly toolVersion: string;
}

/**
 * What `writeManifest` needs: the payload, and from the database's binding its key prefix, ORDS URL
 * and export spec.
 */
export type WriteManifestInput = WriteManifestPayload & {
  readonly prefix: string;
  readonly ordsUrl: string;
  readonly exportSpec: ExportSpec;
  /** The database's point-in-time export options (recorded with the parameters sent). @default - none */
  readonly consistentExport?: ConsistentOptions;
  /** The run's retention: recorded in the manifest, whose object gets its tags. @default - none */
  readonly retention?: RetentionPlan;
};

/**
 * Checks that every file is in the bucket with the size the copy counted, then writes
 * `manifest.json` beside them, only if none is there (`If-None-Match: *`): an existing manifest is
 * never overwritten. A retry whose earlier attempt already wrote this run's manifest succeeds with
 * it; any other manifest at that key fails the run. Returns the summary the execution shows.
 */
export async function writeManifest(
  deps: WriteManifestDeps,
  payload: WriteManifestInput,
): Promise<BackupSummary> {
  const { s3, bucket, logger } = deps;
  const { job, verdict, stored } = payload;
  const folder = backupFolder(payload.prefix, payload.database, job.startedAt, job.jobName);
  const expected = new Set(verdict.files.map((file) => file.key));
  const storedKeys = new Set(stored.map((file) => file.key));
  const notStored = [...expected].filter((key) => !storedKeys.has(key));
  if (notStored.length > 0) {
    throw new StorageRejectedError(`Not writing the manifest: ${notStored.join(', ')} was not stored`);
  }
  for (const file of stored) await verifyStored(s3, bucket, file);

  const consistency = manifestConsistency(job, verdict, payload.exportSpec, payload.consistentExport);
  if (consistency.mode === 'per-table') {
    logger.warn(`Backup is ${describeConsistency(consistency)}`, { reason: consistency.reason });
  }
  const finishedAt = deps.now();
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    database: payload.database,
    jobName: job.jobName,
    owner: job.owner,
    jobMode: job.jobMode,
    runId: job.runId,
    dumpFile: job.fileName,
    verdict: verdict.verdict,
    summary: verdict.summary,
    errors: verdict.errors,
    startedAt: job.startedAt,
    finishedAt: finishedAt.toISOString(),
    bucket,
    files: stored,
    digests: stored.some((file) => file.sha256 !== undefined) ? ['CRC32', 'SHA256'] : ['CRC32'],
    totalBytes: stored.reduce((sum, file) => sum + file.bytes, 0),
    source: manifestSource(payload.database, payload.ordsUrl),
    exportSpec: manifestExportSpec(payload.exportSpec),
    exported: verdict.exported ?? null,
    toolVersion: deps.toolVersion,
    scheduledTime: payload.startedBy === 'schedule' ? (payload.scheduledTime ?? null) : null,
    startedBy: payload.startedBy ?? null,
    fallbacks: [
      ...(job.fallbacks ?? []),
      ...(stored.some((file) => file.endConfirmedBy === 'rest-enabled-sql')
        ? ['size-from-rest-sql' as const]
        : []),
    ],
    consistency,
    ...(payload.retention ? { retention: payload.retention.manifest } : {}),
  };
  const key = manifestKey(folder);
  try {
    // Only if none is there: an existing manifest is never overwritten.
    await s3.send(
      new PutObjectCommand(
        jsonObjectInput(bucket, key, manifest, {
          IfNoneMatch: '*',
          ...(payload.retention ? { Tagging: taggingHeader(payload.retention.tags) } : {}),
        }),
      ),
    );
  } catch (error) {
    if (!isPreconditionFailed(error)) throw toStorageError(error, bucket, key);
    const existing = await readExisting(s3, bucket, key);
    if (!sameBackup(existing, manifest)) {
      throw new ManifestExistsError(
        `Not overwriting s3://${bucket}/${key}: it already holds the manifest of another run ` +
          `(run ${existing?.runId ?? 'unknown'}, ${existing?.files.length ?? '?'} files). ` +
          'Nothing was changed; look for a second backup of the same job.',
        { cause: error },
      );
    }
    logger.info('Manifest already written by an earlier attempt of this run', { key });
    return summarize(existing!, key, verdict.checkedAt);
  }
  logger.info('Manifest written', { key, files: stored.length, totalBytes: manifest.totalBytes });
  return summarize(manifest, key, verdict.checkedAt);
}

function isPreconditionFailed(error: unknown): boolean {
  const err = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.$metadata?.httpStatusCode === 412 || err.name === 'PreconditionFailed';
}

async function readExisting(s3: S3Client, bucket: string, key: string): Promise<Manifest | null> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as Manifest;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw toStorageError(error, bucket, key);
  }
}

/** The same run's manifest: same job, run and files (its finishedAt may differ). */
function sameBackup(existing: Manifest | null, manifest: Manifest): boolean {
  if (!existing || existing.runId !== manifest.runId || existing.jobName !== manifest.jobName) return false;
  return JSON.stringify(existing.files) === JSON.stringify(manifest.files);
}

/** Fails unless S3 shows the file with the size and the FULL_OBJECT checksum the copy recorded. */
async function verifyStored(s3: S3Client, bucket: string, file: StoredFile): Promise<void> {
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: file.key,
        // The current version: VersionId would need s3:GetObjectVersion; this run's keys are its own.
        ChecksumMode: 'ENABLED',
      }),
    );
  } catch (error) {
    throw toStorageError(error, bucket, file.key);
  }
  const { ContentLength: length, ChecksumCRC32: crc32, ChecksumType: type } = head;
  if (length !== file.bytes || crc32 !== file.checksum.value || type !== file.checksum.type) {
    throw new StorageRejectedError(
      `Not writing the manifest: s3://${bucket}/${file.key} holds ${length} bytes, CRC32 ${crc32 ?? 'none'} ` +
        `(${type ?? 'no type'}); the copy recorded ${file.bytes} bytes, CRC32 ${file.checksum.value} (${file.checksum.type})`,
    );
  }
}

/** The execution's output: what a user reads in the Step Functions console. */
export function summarize(manifest: Manifest, key: string, copyStartedAt: string): BackupSummary {
  const started = new Date(manifest.startedAt).getTime();
  const finished = new Date(manifest.finishedAt).getTime();
  const copySeconds = Math.max((finished - new Date(copyStartedAt).getTime()) / 1000, 0.001);
  return {
    database: manifest.database,
    verdict: manifest.verdict,
    jobName: manifest.jobName,
    manifest: `s3://${manifest.bucket}/${key}`,
    files: manifest.files.map((file) => ({
      name: file.name,
      bytes: file.bytes,
      uri: `s3://${manifest.bucket}/${file.key}`,
    })),
    totalBytes: manifest.totalBytes,
    durationSeconds: Math.round((finished - started) / 1000),
    throughputMiBps: Math.round((manifest.totalBytes / 1024 / 1024 / copySeconds) * 10) / 10,
    // A manifest of an earlier version read back by a retry has no `consistency`: it is per-table.
    consistency: manifest.consistency ? describeConsistency(manifest.consistency) : 'per-table',
    ...(manifest.retention
      ? { tier: manifest.retention.tier, deletableFrom: manifest.retention.deletableFrom }
      : {}),
  };
}
