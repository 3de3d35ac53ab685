import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * s3rver 3.7.1 resolves its store's `putObject` and `putPart` once the body has passed its MD5 hash,
 * not once its file stream has written the bytes: the request is answered while the file may still
 * be short (or, when it replaces an object, empty), and a HEAD, GET, CompleteMultipartUpload, version
 * copy or replica copy that follows at once reads what has reached the file so far. Under load the
 * gap lasts long enough to be seen (a flaky off-site verify). S3 answers a write once it is stored, so
 * the local S3 replaces both methods with ones that resolve when the file stream has finished.
 * `putObject` also writes the object assembled by CompleteMultipartUpload (s3rver's
 * `putObjectMultipart` calls it).
 *
 * s3rver also streamed a body straight into the object's file: a client that died mid-body left a
 * short object, or a short replacement of the previous one, where S3 stores nothing for an
 * incomplete PUT. Each write goes to a file of its own beside it and replaces the object's file
 * (one rename) only once every byte is there; a failed write removes it.
 */

/** An object as s3rver hands it to its store (lib/models/object.js). */
interface StoreObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Readable | Buffer;
  readonly metadata: Record<string, string>;
}

/** What s3rver's store answers for a write. */
interface Written {
  readonly size: number;
  readonly md5: string;
}

/** The s3rver store methods involved. */
export interface WritableStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: StoreObject): Promise<Written>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: Readable): Promise<Written>;
}

/** Makes the store's object and part writes resolve only once their file holds every byte of the body. */
export function storeWritesWhole(store: WritableStore): void {
  store.putObject = async (object) => {
    const written = await writeWhole(
      object.content,
      store.getResourcePath(object.bucket, object.key, 'object'),
    );
    await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const file = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const written = await writeWhole(content, file);
    await writeFile(`${file}.md5`, written.md5);
    return written;
  };
}

/**
 * Streams `content` through an MD5 hash into a new file beside `file`, then renames it to `file`:
 * resolves once `file` holds every byte; when the body fails (the client aborted), `file` is left
 * as it was and the new file removed.
 */
async function writeWhole(content: Readable | Buffer, file: string): Promise<Written> {
  await mkdir(path.dirname(file), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  const hash = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  // Not s3rver's `._S3rver_object` suffix: a listing never shows the file being written.
  const incoming = `${file}.${randomBytes(8).toString('hex')}.incoming`;
  try {
    await pipeline(
      Buffer.isBuffer(content) ? Readable.from([content]) : content,
      hash,
      createWriteStream(incoming),
    );
    await rename(incoming, file);
  } catch (error) {
    await rm(incoming, { force: true });
    throw error;
  }
  return { size, md5: md5.digest('hex') };
}
