import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { type FilePresigner, filePresigner } from '../core/restore/index.js';
import { numberEnv } from './env.js';

/** How long a presigned GetObject URL stays valid: the server reads each file's URL once, right away. */
const PRESIGN_EXPIRES_SECONDS = 300;

/** What the restore's and the drill from S3's put steps need besides the ORDS and S3 clients. */
export interface PutFilesDeps {
  /** A presigned GetObject URL for one file of the backup (its version when it has one). */
  readonly presign: FilePresigner;
  /** True once the invocation has less time left than the safety margin: stop and hand over. */
  readonly shouldStop: () => boolean;
}

/**
 * The presigner and the stop test of a step that puts backup files on the server ("Put files on the
 * server", "Put drill files from S3"). `marginVariable` names the step's own safety margin in
 * seconds; unset, the copy's (`COPY_SAFETY_MARGIN_SECONDS`, 60 by default).
 */
export function putFilesDeps(s3: S3Client, context: Context, marginVariable: string): PutFilesDeps {
  const marginMs = numberEnv(marginVariable, numberEnv('COPY_SAFETY_MARGIN_SECONDS', 60)) * 1000;
  return {
    presign: filePresigner(s3, PRESIGN_EXPIRES_SECONDS),
    shouldStop: () => context.getRemainingTimeInMillis() < marginMs,
  };
}
