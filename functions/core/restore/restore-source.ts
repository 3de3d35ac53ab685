import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { BackupError, ErrorName, InvalidInputError, toStorageError } from '../base/index.js';
import { MANIFEST_VERSION } from '../manifest/index.js';
import { ExportedObjectsSchema, StoredFileSchema } from '../state/index.js';

/**
 * What a restore reads from a backup in S3, checked first as `npm run verify --download` checks it:
 * the manifest's recorded version (3, the first that records what a restore needs), and each dump
 * file's size and FULL_OBJECT CRC-32, both from S3's own record and from the bytes read back. The
 * SHA-256 of those bytes is kept: the database's own digest of the uploaded file must equal it.
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

/** One dump file of the backup, checked in S3. */
export interface SourceFile {
  readonly name: string;
  readonly key: string;
  readonly versionId?: string;
  readonly bytes: number;
  /** Hex SHA-256 of the bytes read from S3 (which matched the manifest's CRC-32). */
  readonly sha256: string;
}

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
  const { bucket, key } = parseManifestUri(manifestUri);
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await object.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    throw toStorageError(error, bucket, key);
  }
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
  const dumps = parsed.files.filter((file) => file.kind === 'dump');
  if (dumps.length === 0) throw failed(`${manifestUri} lists no dump file`);
  const files: SourceFile[] = [];
  for (const file of dumps) {
    onProgress(`Checking s3://${bucket}/${file.key} (${file.bytes} bytes)`);
    files.push(await checkSourceFile(s3, bucket, file));
  }
  return {
    bucket,
    manifestKey: key,
    manifestBytes: Buffer.byteLength(text, 'utf8'),
    database: parsed.database,
    jobName: parsed.jobName,
    runId: parsed.runId,
    dumpFile: parsed.dumpFile,
    exportDirectory: parsed.exportSpec.datapumpDir.toUpperCase(),
    exported: parsed.exported,
    files,
    log: logOf(parsed.files),
  };
}

function logOf(files: readonly z.output<typeof StoredFileSchema>[]): RestoreSource['log'] {
  const log = files.find((file) => file.kind === 'log');
  if (!log) return null;
  return { key: log.key, ...(log.versionId ? { versionId: log.versionId } : {}) };
}

/** HeadObject against the manifest, then the bytes read whole: size and CRC-32 again, SHA-256 kept. */
async function checkSourceFile(
  s3: Pick<S3Client, 'send'>,
  bucket: string,
  file: z.output<typeof StoredFileSchema>,
): Promise<SourceFile> {
  const where = `s3://${bucket}/${file.key}`;
  const version = file.versionId === undefined ? {} : { VersionId: file.versionId };
  let crc = 0;
  let bytes = 0;
  const sha256 = createHash('sha256');
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: file.key, ChecksumMode: 'ENABLED', ...version }),
    );
    if (head.ContentLength !== file.bytes) {
      throw failed(`${where}: S3 holds ${head.ContentLength} bytes, the manifest ${file.bytes}`);
    }
    if (head.ChecksumCRC32 !== file.checksum.value) {
      throw failed(
        `${where}: S3 shows CRC32 ${head.ChecksumCRC32 ?? 'none'}, the manifest ${file.checksum.value}`,
      );
    }
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: file.key, ...version }));
    for await (const chunk of object.Body as AsyncIterable<Uint8Array>) {
      crc = zlib.crc32(chunk, crc);
      sha256.update(chunk);
      bytes += chunk.length;
    }
  } catch (error) {
    throw toStorageError(error, bucket, file.key);
  }
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc);
  if (bytes !== file.bytes || value.toString('base64') !== file.checksum.value) {
    throw failed(
      `${where}: the bytes read back (${bytes}, CRC32 ${value.toString('base64')}) do not match the manifest ` +
        `(${file.bytes}, CRC32 ${file.checksum.value}): the object is damaged; restore another backup`,
    );
  }
  const digest = sha256.digest('hex');
  if (file.sha256 !== undefined && digest !== file.sha256) {
    throw failed(`${where}: the bytes read back have SHA-256 ${digest}, the manifest ${file.sha256}`);
  }
  return {
    name: file.name,
    key: file.key,
    ...(file.versionId ? { versionId: file.versionId } : {}),
    bytes,
    sha256: digest,
  };
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
