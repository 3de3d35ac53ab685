import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * s3rver 3.7.1 resolves its store's `putObject` once the body has passed its MD5 hash, not once its
 * file stream has written the bytes: the request is answered while the object file may still be
 * short (or, when it replaces an object, empty), and a HEAD, GET, version copy or replica copy that
 * follows at once reads what has reached the file so far. Under load the gap lasts long enough to be
 * seen (a flaky off-site verify). S3 answers a write once the object is stored, so the local S3
 * replaces that method with one that resolves when the file stream has finished. `putObject` also
 * writes the object assembled by CompleteMultipartUpload (s3rver's `putObjectMultipart` calls it).
 * UploadPart has the same gap in s3rver's `putPart`; ./multipart.ts waits for the part file there.
 */

/** An object as s3rver hands it to its store (lib/models/object.js). */
interface StoreObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Readable | Buffer;
  readonly metadata: Record<string, string>;
}

/** The s3rver store methods involved. */
export interface WritableStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: StoreObject): Promise<{ size: number; md5: string }>;
}

/** Makes `store.putObject` resolve only once the object file holds every byte of the body. */
export function storeObjectsWhole(store: WritableStore): void {
  store.putObject = async (object) => {
    const file = store.getResourcePath(object.bucket, object.key, 'object');
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
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(content, hash, createWriteStream(file));
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}
