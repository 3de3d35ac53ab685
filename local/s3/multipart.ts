import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, crc32Base64, escapeXml, fail, type KoaContext, readBody, replaceBody } from './koa.js';
import { crc32OfFiles, type StoredChecksum } from './objects.js';

/**
 * The multipart operations s3rver lacks or accepts too easily, checked as S3 checks them: part
 * checksums (BadDigest), part order, ETags, the 5 MiB minimum of every part but the last
 * (EntityTooSmall), `x-amz-mp-object-size`, and a FULL_OBJECT CRC-32 recomputed from the stored
 * bytes at Complete (BadDigest when the client's whole-object value differs).
 */

/** S3's smallest part but the last (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;

export async function uploadPart(
  ctx: KoaContext,
  next: () => Promise<void>,
  uploadDir: string,
): Promise<void> {
  const partNumber = Number(ctx.query.partNumber);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    await readBody(ctx.req);
    return fail(ctx, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  }
  // The checksum is computed from the request body itself, not read back from the part file.
  const body = await readBody(ctx.req);
  const expected = ctx.get('x-amz-checksum-crc32');
  const actual = crc32Base64(crc32(body));
  if (expected !== '' && expected !== actual) {
    return fail(
      ctx,
      400,
      'BadDigest',
      `The CRC32 you specified (${expected}) did not match the calculated checksum.`,
    );
  }
  replaceBody(ctx, body);
  await next();
  if (ctx.status >= 300) return;
  await writeFile(`${path.join(uploadDir, String(partNumber))}.crc32`, actual);
  ctx.set('x-amz-checksum-crc32', actual);
}

interface StoredPart {
  readonly number: number;
  readonly file: string;
  readonly etag: string;
  readonly size: number;
  readonly crc32: string;
  readonly modified: Date;
}

async function storedParts(uploadDir: string): Promise<StoredPart[]> {
  const numbers = (await readdir(uploadDir))
    .filter((name) => /^[1-9][0-9]*$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  return Promise.all(
    numbers.map(async (number) => {
      const file = path.join(uploadDir, String(number));
      const [stats, md5, crc] = await Promise.all([
        stat(file),
        readFile(`${file}.md5`, 'utf8'),
        readFile(`${file}.crc32`, 'utf8').catch(() => ''),
      ]);
      return { number, file, etag: md5, size: stats.size, crc32: crc, modified: stats.mtime };
    }),
  );
}

export async function listParts(
  ctx: KoaContext,
  uploadDir: string,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  const marker = Number(ctx.query['part-number-marker'] ?? 0) || 0;
  const maxParts = Math.min(Number(ctx.query['max-parts'] ?? 1000) || 1000, 1000);
  const after = (await storedParts(uploadDir)).filter((part) => part.number > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const parts = page
    .map(
      (part) =>
        `<Part><PartNumber>${part.number}</PartNumber><LastModified>${part.modified.toISOString()}</LastModified>` +
        `<ETag>"${part.etag}"</ETag><Size>${part.size}</Size>` +
        (part.crc32 ? `<ChecksumCRC32>${part.crc32}</ChecksumCRC32>` : '') +
        '</Part>',
    )
    .join('');
  const type = (await uploadHeaders(uploadDir))['x-amz-checksum-type'] ?? 'COMPOSITE';
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId>` +
    `<PartNumberMarker>${marker}</PartNumberMarker>` +
    `<NextPartNumberMarker>${page.at(-1)?.number ?? marker}</NextPartNumberMarker>` +
    `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>` +
    `<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>${escapeXml(type)}</ChecksumType>${parts}</ListPartsResult>`;
}

/** The headers of the CreateMultipartUpload request (s3rver keeps them as the upload's metadata). */
async function uploadHeaders(uploadDir: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(path.join(uploadDir, 'metadata'), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/**
 * Checks a CompleteMultipartUpload request; answers the error S3 would and returns null, or returns
 * the checksum the completed object keeps (null for an upload without FULL_OBJECT).
 */
export async function checkCompletion(
  ctx: KoaContext,
  uploadDir: string,
  minPartBytes: number,
): Promise<{ readonly checksum: StoredChecksum | null } | null> {
  const body = await readBody(ctx.req);
  const problem = await findProblem(ctx, uploadDir, body.toString('utf8'), minPartBytes);
  if (problem !== null && 'code' in problem) {
    fail(ctx, problem.status, problem.code, problem.message);
    return null;
  }
  replaceBody(ctx, body);
  return { checksum: problem };
}

type Problem = { readonly status: number; readonly code: string; readonly message: string };

async function findProblem(
  ctx: KoaContext,
  uploadDir: string,
  xml: string,
  minPartBytes: number,
): Promise<Problem | StoredChecksum | null> {
  const stored = new Map((await storedParts(uploadDir)).map((part) => [part.number, part]));
  const requested = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, inner = '']) => ({
    number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(inner)?.[1]),
    etag: /<ETag>([^<]*)<\/ETag>/.exec(inner)?.[1]?.replace(/&quot;|&#34;|"/g, ''),
    crc32: /<ChecksumCRC32>([^<]*)<\/ChecksumCRC32>/.exec(inner)?.[1],
  }));
  const bad = (code: string, message: string, status = 400): Problem => ({ status, code, message });
  if (requested.length === 0) return bad('MalformedXML', 'No parts in the request');
  const parts: StoredPart[] = [];
  let previous = 0;
  for (const part of requested) {
    if (!(part.number > previous)) return bad('InvalidPartOrder', 'Parts must be in ascending order');
    previous = part.number;
    const found = stored.get(part.number);
    if (found === undefined || found.etag !== part.etag) {
      return bad('InvalidPart', `Part ${part.number} was not found or its ETag does not match`);
    }
    if (part.crc32 !== undefined && part.crc32 !== found.crc32) {
      return bad('InvalidPart', `Part ${part.number}'s ChecksumCRC32 does not match the stored part`);
    }
    parts.push(found);
  }
  const small = parts.slice(0, -1).find((part) => part.size < minPartBytes);
  if (small !== undefined) {
    return bad(
      'EntityTooSmall',
      `Part ${small.number} holds ${small.size} bytes, less than the ${minPartBytes} allowed for every part but the last`,
    );
  }
  const size = parts.reduce((sum, part) => sum + part.size, 0);
  const objectSize = ctx.get('x-amz-mp-object-size');
  if (objectSize !== '' && Number(objectSize) !== size) {
    return bad('InvalidRequest', `x-amz-mp-object-size is ${objectSize}, the parts hold ${size} bytes`);
  }
  const created = (await uploadHeaders(uploadDir))['x-amz-checksum-type']?.toUpperCase() ?? 'COMPOSITE';
  const declared = ctx.get('x-amz-checksum-type').toUpperCase();
  if (declared !== '' && declared !== created) {
    return bad('InvalidRequest', `The upload was created with checksum type ${created}, not ${declared}`);
  }
  if (created !== 'FULL_OBJECT') return null;
  const actual = crc32Base64(await crc32OfFiles(parts.map((part) => part.file)));
  const expected = ctx.get('x-amz-checksum-crc32');
  if (expected !== '' && expected !== actual) {
    return bad(
      'BadDigest',
      `The CRC32 you specified (${expected}) did not match the calculated checksum (${actual}).`,
    );
  }
  return { algorithm: 'crc32', value: actual, type: 'FULL_OBJECT' };
}
