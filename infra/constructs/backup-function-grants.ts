/** Which backup function gets which part of the backup bucket: changes when a function is added. */
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { grantCopyFile } from './copy-file-grants.js';
import { grantRecordRestoreDrill, grantRestoreDrill } from './restore-drill-grants.js';
import { grantRestore } from './restore-grants.js';
import { scopedGrants } from './scoped-grants.js';
import { grantCleanUpServer } from './server-cleanup-grants.js';
import { grantStartExport } from './start-export-grants.js';
import { grantWriteManifest } from './write-manifest-grants.js';

/** The functions that touch the backup bucket; each gets only the keys its step reads or writes. */
export interface BucketUsers {
  /** "Start export": the run locks, and the drill record it reads to decide whether a drill is due. */
  readonly startExport: IFunction;
  /** "Copy file": any backup file, never manifests, records or run locks. */
  readonly copyFile: IFunction;
  /** "Write manifest": `manifest.json` and `last-backup.json`, and object sizes. */
  readonly writeManifest: IFunction;
  /** "Clean up server": reads manifests, writes (and on a retry reads) `server-cleanup.json`. */
  readonly cleanUpServer: IFunction;
  /** "Record restore drill": `restore-drill.json` and `last-restore-drill.json`. */
  readonly recordRestoreDrill: IFunction;
  /**
   * "Start restore drill" and "Drop drill schema": read the run lock before they act, write and read
   * the drill's intent record.
   */
  readonly restoreDrill: IFunction;
  /** The restore state machine's steps (see `grantRestore`). @default - no restore function */
  readonly restore?: IFunction;
}

/**
 * Grants each of `users` its own part of `bucket` under the deployment's key `prefixes` only
 * (`deploymentKeyPrefixes`), denies the copy the others' keys, and acknowledges the wildcards. A new
 * kind of key (say `<prefix>_slots/…`) gets its grant in its step's grants, through `onKeys`
 * (`scopedGrants`), and is thus scoped too.
 */
export function grantBucketAccess(
  bucket: IBucket,
  users: BucketUsers,
  prefixes: readonly string[],
  options: {
    /** A database drills from S3 (`restoreDrill.source: "s3"`): the drill reads backups. @default false */
    readonly drillFromS3?: boolean;
  } = {},
): void {
  const scoped = scopedGrants(bucket, prefixes);
  grantCopyFile(bucket, users.copyFile, scoped);
  grantWriteManifest(users.writeManifest, scoped);
  grantStartExport(users.startExport, scoped);
  grantCleanUpServer(users.cleanUpServer, scoped);
  grantRecordRestoreDrill(users.recordRestoreDrill, scoped);
  grantRestoreDrill(users.restoreDrill, scoped, options.drillFromS3 ?? false);
  if (users.restore) grantRestore(users.restore, scoped);
}
