import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger, OrdsApi } from '../ords/index.js';
import type { ObjectTag } from '../retention/index.js';

/** What `copyFile` needs: small interfaces and settings, no environment. */
export interface CopyFileDeps {
  readonly ords: OrdsApi;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly logger: Logger;
  /** Milliseconds left before the invocation is killed (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  /** Time kept for completing the upload and returning: no new part starts inside it. */
  readonly safetyMarginMs: number;
  /** Parts uploaded at the same time while the next one is read. Memory ≈ part size × (this + 1). */
  readonly partsInFlight: number;
  /** Smallest part size; raised to `partSizeFloorBytes` when smaller. */
  readonly minPartSizeBytes: number;
  /** Largest file accepted; a larger one fails before anything is uploaded (or as soon as it is seen). */
  readonly maxFileBytes: number;
  /** Clock for durations and progress logs. @default Date.now */
  readonly now?: () => number;
  /**
   * The file's size in the database (`serverFileSize`), asked only when ORDS sent it chunked and
   * ignores `Range`, so nothing else can confirm its end. @default - no such fallback: the copy fails
   */
  readonly serverFileSize?: (fileName: string) => Promise<number | null>;
  /** Tags every stored object is written with: its retention tier (`writeTimeTags`). @default - none */
  readonly objectTags?: readonly ObjectTag[];
  /** Lower bound of the part size. Only tests lower it. @default 8 MiB */
  readonly partSizeFloorBytes?: number;
}
