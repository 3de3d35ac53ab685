/** The restore drill functions' grants on the backup bucket: drill records, intent, drill from S3. */
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  LAST_RESTORE_DRILL_FILE,
  RESTORE_DRILL_FILE,
  RESTORE_DRILL_INTENT_FILE,
} from '../../functions/core/drill/index.js';
import { grantRunLockRead } from './run-hold-grants.js';
import type { ScopedGrants } from './scoped-grants.js';

/**
 * "Record restore drill": writes `restore-drill.json` beside the manifest (read back on a retry's
 * 412) and overwrites the database's `last-restore-drill.json` (read first for the last success).
 */
export function grantRecordRestoreDrill(recordRestoreDrill: IFunction, scoped: ScopedGrants): void {
  const { onKeys, acknowledge, listBucket } = scoped;
  listBucket(recordRestoreDrill);
  for (const file of [RESTORE_DRILL_FILE, LAST_RESTORE_DRILL_FILE]) {
    onKeys(
      recordRestoreDrill,
      `*/${file}`,
      's3:PutObject',
      's3:GetObject',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    acknowledge(
      recordRestoreDrill,
      `*/${file}`,
      `Drill records are <prefix><database>/[<date>/<job>/]${file}: only such keys.`,
    );
  }
  scoped.acknowledgeKeyUse(recordRestoreDrill);
}

/**
 * "Start restore drill" and "Drop drill schema" (one function): read the run lock before they act,
 * write and read the drill's intent record; with `drillFromS3` (a database drills from S3,
 * `restoreDrill.source: "s3"`) also read the backup they restore and keep their restore records.
 */
export function grantRestoreDrill(restoreDrill: IFunction, scoped: ScopedGrants, drillFromS3: boolean): void {
  const { onKeys, acknowledge, listBucket } = scoped;
  grantRunLockRead(restoreDrill, scoped);
  // "Start restore drill" creates the intent record beside the manifest (If-None-Match), records the
  // import's job in it (If-Match), and both drill steps read it back; s3:ListBucket makes S3 answer
  // NoSuchKey, not AccessDenied, before the first attempt wrote it.
  onKeys(
    restoreDrill,
    `*/${RESTORE_DRILL_INTENT_FILE}`,
    's3:PutObject',
    's3:GetObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  listBucket(restoreDrill);
  acknowledge(
    restoreDrill,
    `*/${RESTORE_DRILL_INTENT_FILE}`,
    `The drill's intent record is <prefix><database>/<date>/<job>/${RESTORE_DRILL_INTENT_FILE}: only such keys.`,
  );
  // A drill from S3 reads this night's backup by version (manifest, dump files, export log) and
  // presigns GetObject of its dump files for DBMS_CLOUD.GET_OBJECT; it keeps the record of what it
  // put on the server under <folder>restores/ until it removed it. Only in a deployment where a
  // database drills from S3.
  if (drillFromS3) {
    onKeys(restoreDrill, '*', 's3:GetObject', 's3:GetObjectVersion', 'kms:Decrypt');
    onKeys(
      restoreDrill,
      '*/restores/*',
      's3:PutObject',
      's3:DeleteObject',
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    acknowledge(
      restoreDrill,
      '*',
      "A drill from S3 reads the backup it restores (manifest, dump files, export log) under the deployment's prefixes only.",
    );
    acknowledge(
      restoreDrill,
      '*/restores/*',
      'Restore records are <prefix><database>/<date>/<job>/restores/<id>.json: only such keys are writable.',
    );
  }
  scoped.acknowledgeKeyUse(restoreDrill);
}
