import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { BackupError, ErrorName, InvalidInputError, toStorageError } from '../base/index.js';
import { MANIFEST_VERSION } from '../manifest/index.js';
import { ExportedObjectsSchema, StoredFileSchema } from '../state/index.js';
import { type CheckBudget, checkDumpFiles, type SourceCheck, type SourceFile } from './source-check.js';

export type { SourceFile } from './source-check.js';

/**
 * What a restore reads from a backup in S3, checked first as `npm run verify --download` checks it:
 * the manifest's recorded version (3, the first that records what a restore needs), and each dump
 * file's size and FULL_OBJECT CRC-32, both from S3's own record and from the bytes read back
 * (`source-check.ts`, in as many calls as it takes). The SHA-256 of those bytes is kept: the
 * database's own digest of the uploaded file must equal it.
 */

/** The fields of a manifest a restore reads (it may carry more). */
const RestoreManifestSchema = z.object({
  manifestVersion: z.number(),
  database: z.string().min(1),
  jobName: z.string().min(1),
  runId: z.string().min(1),
  dumpFile: z.string().min(1),
  verdict: z.string(),
  files: z.array(StoredFileSchema),
  exportSpec: z.object({ datapumpDir: z.string().min(1), schemas: z.array(z.string()).optional() }),
  exported: ExportedObjectsSchema.nullable(),
});

/** The backup to restore: its manifest's facts and its checked dump files. */
export interface RestoreSource {
  readonly bucket: string;
  readonly manifestKey: string;
  /** The manifest's size: the GET_OBJECT probe fetches it. */
  readonly manifestBytes: number;
  readonly database: string;
  readonly jobName: string;
  readonly runId: string;
  /** The export's dump file template (`%U`). */
  readonly dumpFile: string;
  /** The directory object the export wrote to: the restore's default. */
  readonly exportDirectory: string;
  readonly exported: z.output<typeof ExportedObjectsSchema> | null;
  readonly files: readonly SourceFile[];
  /** The export's log in S3 (each table's exported rows), when the manifest lists it. */
  readonly log: { readonly key: string; readonly versionId?: string } | null;
}

/** Splits `s3://bucket/key`; an `InvalidInputError` naming the value otherwise. */
export function parseManifestUri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+\/)?manifest\.json$/.exec(uri);
  if (!match) {
    throw new InvalidInputError(`expected s3://<bucket>/<backup folder>/manifest.json, got "${uri}"`);
  }
  return { bucket: match[1] as string, key: uri.slice(`s3://${match[1]}/`.length) };
}

const failed = (message: string) => new BackupError(ErrorName.RestoreFailed, message);

/** Reads the manifest and checks every dump file it lists; throws naming the first problem. */
export async function readRestoreSource(
  s3: Pick<S3Client, 'send'>,
  manifestUri: string,
  onProgress: (line: string) => void = () => {},
): Promise<RestoreSource> {
  const step = await checkRestoreSource(s3, manifestUri, undefined, { onProgress });
  if (!step.done) throw new Error('a check without a time budget stopped before its end');
  return step.source;
}

/**
 * Reads the manifest and checks its dump files from where `progress` stopped, within `budget`:
 * the source when every file is checked, else the progress for the next call. A manifest replaced
 * since the check began fails it (its ETag is pinned in the progress).
 */
export async function checkRestoreSource(
  s3: Pick<S3Client, 'send'>,
  manifestUri: string,
  progress: SourceCheck | undefined,
  budget: CheckBudget,
): Promise<
  | { readonly done: true; readonly source: RestoreSource }
  | { readonly done: false; readonly progress: SourceCheck }
> {
  const { bucket, key } = parseManifestUri(manifestUri);
  let text: string;
  let etag: string | undefined;
  try {
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(progress ? { IfMatch: progress.manifestEtag } : {}),
      }),
    );
    text = (await object.Body?.transformToString('utf8')) ?? '';
    etag = object.ETag;
  } catch (error) {
    if (
      progress &&
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
    ) {
      throw failed(
        `${manifestUri} was replaced while the restore was checking its files: start the restore again`,
      );
    }
    throw toStorageError(error, bucket, key);
  }
  const parsed = parseManifest(manifestUri, text);
  const dumps = parsed.files.filter((file) => file.kind === 'dump');
  if (dumps.length === 0) throw failed(`${manifestUri} lists no dump file`);
  const checked = await checkDumpFiles(
    s3,
    { bucket, manifestEtag: progress?.manifestEtag ?? etag ?? '' },
    dumps,
    progress,
    budget,
  );
  if (!checked.done) return checked;
  return {
    done: true,
    source: {
      bucket,
      manifestKey: key,
      manifestBytes: Buffer.byteLength(text, 'utf8'),
      database: parsed.database,
      jobName: parsed.jobName,
      runId: parsed.runId,
      dumpFile: parsed.dumpFile,
      exportDirectory: parsed.exportSpec.datapumpDir.toUpperCase(),
      exported: parsed.exported,
      files: checked.files,
      log: logOf(parsed.files),
    },
  };
}

function parseManifest(manifestUri: string, text: string): z.output<typeof RestoreManifestSchema> {
  let parsed: z.output<typeof RestoreManifestSchema>;
  try {
    parsed = RestoreManifestSchema.parse(JSON.parse(text));
  } catch (error) {
    throw failed(
      `${manifestUri} is not a manifest a restore can read: ${(error as Error).message.slice(0, 300)}`,
    );
  }
  if (parsed.manifestVersion < 3 || parsed.manifestVersion > MANIFEST_VERSION) {
    throw failed(
      `${manifestUri} has manifestVersion ${parsed.manifestVersion}; a restore reads versions 3 to ${MANIFEST_VERSION} ` +
        '(version 3 is the first that records the dump file template and what was exported)',
    );
  }
  if (parsed.verdict === 'failed') throw failed(`${manifestUri} records a failed export: nothing to restore`);
  return parsed;
}

function logOf(files: readonly z.output<typeof StoredFileSchema>[]): RestoreSource['log'] {
  const log = files.find((file) => file.kind === 'log');
  if (!log) return null;
  return { key: log.key, ...(log.versionId ? { versionId: log.versionId } : {}) };
}

/** Bytes `[start, endExclusive)` of a file's recorded version. */
export async function readRange(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  file: SourceFile,
  start: number,
  endExclusive: number,
): Promise<Buffer> {
  try {
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: file.key,
        Range: `bytes=${start}-${endExclusive - 1}`,
        ...(file.versionId ? { VersionId: file.versionId } : {}),
      }),
    );
    return Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  } catch (error) {
    throw toStorageError(error, bucket, file.key);
  }
}

/** The export's log text from S3 (each table's exported rows), null when the manifest lists none. */
export async function readExportLog(
  s3: Pick<S3Client, 'send'>,
  source: Pick<RestoreSource, 'bucket' | 'log'>,
): Promise<string | null> {
  if (!source.log) return null;
  try {
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.log.key,
        ...(source.log.versionId ? { VersionId: source.log.versionId } : {}),
      }),
    );
    return (await object.Body?.transformToString('utf8')) ?? null;
  } catch (error) {
    throw toStorageError(error, source.bucket, source.log.key);
  }
}
