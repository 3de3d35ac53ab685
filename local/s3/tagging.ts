import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from './objects.js';

/**
 * Tags sent with the write itself (`x-amz-tagging` on PutObject and CreateMultipartUpload), which
 * s3rver ignores: stored as its tagging subresource once the object is written, as S3 does.
 */

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char]!);

/** The tagging subresource of an `x-amz-tagging` header (URL query form), as s3rver stores it. */
export function taggingXml(header: string): string {
  const tags = [...new URLSearchParams(header)]
    .map(([key, value]) => `<Tag><Key>${escapeXml(key)}</Key><Value>${escapeXml(value)}</Value></Tag>`)
    .join('');
  return `<Tagging><TagSet>${tags}</TagSet></Tagging>`;
}

/** Stores the tags of `header` on the object just written; nothing without a header. */
export async function saveWriteTags(
  store: ObjectStore,
  bucket: string,
  key: string,
  header: string | undefined,
): Promise<void> {
  if (!header) return;
  await writeFile(store.getResourcePath(bucket, key, 'tagging.xml'), taggingXml(header));
}

/** The `x-amz-tagging` header a multipart upload was created with (s3rver keeps its headers). */
export async function uploadTagging(uploadDir: string): Promise<string | undefined> {
  try {
    const headers = JSON.parse(await readFile(path.join(uploadDir, 'metadata'), 'utf8')) as Record<
      string,
      unknown
    >;
    const value = headers['x-amz-tagging'];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
