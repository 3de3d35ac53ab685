/**
 * The copy of one dump or log file from ORDS into S3: a resumable multipart upload with
 * FULL_OBJECT CRC-32, checks of each download, and the stored-object markers.
 *
 * The one way into this folder from outside it (see ../README.md for the layers).
 */
export type { CopyFileDeps } from './copy-deps.js';
export { copyFile } from './copy-file.js';
export { COPY_NODE_OPTIONS } from './copy-runtime.js';
export { crc32, crc32Combine, crc32ToBase64 } from './crc32.js';
export { largestPartBytes, S3_MAX_OBJECT_BYTES } from './part-size.js';
export { copyS3ClientSettings } from './s3-client-settings.js';
export { serverFileSize } from './server-file-size.js';
