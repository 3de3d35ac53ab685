import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** A 412 as the SDK throws it for a failed If-None-Match or If-Match. */
function preconditionFailed(): Error {
  return Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
    name: 'PreconditionFailed',
    $metadata: { httpStatusCode: 412 },
  });
}

/**
 * An in-memory S3 bucket for unit tests: GetObject and PutObject with S3's conditional writes
 * (If-None-Match: *, If-Match on the ETag), each write a new ETag. `puts` lists every accepted write.
 */
export function memoryS3() {
  const objects = new Map<string, { body: string; etag: string }>();
  const puts: Array<{ key: string; body: string; ifNoneMatch?: string; ifMatch?: string }> = [];
  let version = 0;
  const client = {
    send: async (command: unknown) => {
      if (command instanceof GetObjectCommand) {
        const object = objects.get(command.input.Key ?? '');
        if (!object) {
          throw Object.assign(new Error('The specified key does not exist.'), {
            name: 'NoSuchKey',
            $metadata: { httpStatusCode: 404 },
          });
        }
        return { ETag: object.etag, Body: { transformToString: async () => object.body } };
      }
      if (command instanceof PutObjectCommand) {
        const { Key = '', Body, IfNoneMatch, IfMatch } = command.input;
        const existing = objects.get(Key);
        if (IfNoneMatch === '*' && existing) throw preconditionFailed();
        if (IfMatch !== undefined && existing?.etag !== IfMatch) throw preconditionFailed();
        const etag = `"${++version}"`;
        const body = Buffer.isBuffer(Body) ? Body.toString('utf8') : String(Body);
        objects.set(Key, { body, etag });
        puts.push({
          key: Key,
          body,
          ...(IfNoneMatch ? { ifNoneMatch: IfNoneMatch } : {}),
          ...(IfMatch ? { ifMatch: IfMatch } : {}),
        });
        return { ETag: etag };
      }
      throw new Error(`memoryS3: ${(command as object).constructor.name} is not faked`);
    },
  } as unknown as S3Client;
  const json = (key: string) => {
    const object = objects.get(key);
    return object ? (JSON.parse(object.body) as Record<string, unknown>) : undefined;
  };
  const put = (key: string, value: unknown) =>
    objects.set(key, { body: JSON.stringify(value), etag: `"${++version}"` });
  return { client, puts, json, put };
}
