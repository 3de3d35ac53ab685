import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RUN_LOCK_KEY_PATTERN, SLOT_KEY_PATTERN } from '../../functions/core/run/index.js';
import type { ScopedGrants } from './scoped-grants.js';

/**
 * The restore state machine's function (`grantBucketAccess`): reads the backups it restores
 * (manifest, dump files by version, export log) and presigns GetObject of its dump files; writes only
 * its records under `<folder>restores/` (the restore's record and the import's intent record); takes,
 * reads and deletes the database's run lock and ORDS slots like "Start export"; lists the bucket so
 * that S3 answers NoSuchKey, not AccessDenied, before a record exists.
 */
export function grantRestore(fn: IFunction, scoped: ScopedGrants): void {
  const { onKeys, acknowledge, listBucket } = scoped;
  onKeys(fn, '*', 's3:GetObject', 's3:GetObjectVersion', 'kms:Decrypt');
  onKeys(fn, '*/restores/*', 's3:PutObject', 's3:DeleteObject', 'kms:GenerateDataKey*');
  for (const pattern of [RUN_LOCK_KEY_PATTERN, SLOT_KEY_PATTERN]) {
    onKeys(fn, pattern, 's3:PutObject', 's3:DeleteObject', 'kms:GenerateDataKey*');
  }
  listBucket(fn);
  acknowledge(
    fn,
    '*',
    "A restore reads the backup it restores (manifest, dump files, export log) under the deployment's prefixes only.",
  );
  acknowledge(
    fn,
    '*/restores/*',
    'Restore and import intent records are <prefix><database>/<date>/<job>/restores/<id>…json: only such keys are writable.',
  );
  acknowledge(
    fn,
    RUN_LOCK_KEY_PATTERN,
    'One run lock object per database, <prefix>_locks/<database>.json: only those keys.',
  );
  acknowledge(fn, SLOT_KEY_PATTERN, 'ORDS slots, <prefix>_slots/<origin>/<n>.json: only those keys.');
  scoped.acknowledgeKeyUse(fn);
}
