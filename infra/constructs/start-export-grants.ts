/** "Start export"'s grants on the backup bucket: run lock, ORDS slots, probe and run records. */
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LAST_RESTORE_DRILL_FILE } from '../../functions/core/drill/index.js';
import {
  CONSISTENCY_PROBE_FILE,
  RUN_LOCK_KEY_PATTERN,
  SLOT_KEY_PATTERN,
} from '../../functions/core/run/index.js';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import { SLOT_KEYS_REASON } from './run-hold-grants.js';
import type { ScopedGrants } from './scoped-grants.js';

/**
 * "Start export": takes the run lock and the ORDS slots, reads and records the consistency probe
 * result, and reads the records that decide the run (last backup, last restore drill), under the
 * deployment's prefixes only.
 */
export function grantStartExport(startExport: IFunction, scoped: ScopedGrants): void {
  const { onKeys, acknowledge, listBucket } = scoped;
  // The run lock: created or taken over, read back with HeadObject.
  onKeys(
    startExport,
    RUN_LOCK_KEY_PATTERN,
    's3:PutObject',
    's3:GetObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  // The database's consistency probe result (point-in-time and auto databases), and a new one
  // recorded: created with If-None-Match, replaced with If-Match.
  onKeys(
    startExport,
    `*/${CONSISTENCY_PROBE_FILE}`,
    's3:GetObject',
    's3:PutObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  acknowledge(
    startExport,
    `*/${CONSISTENCY_PROBE_FILE}`,
    `The consistency probe result is <prefix><database>/${CONSISTENCY_PROBE_FILE}: only such keys.`,
  );
  // The drill record, to decide whether a drill is due.
  onKeys(startExport, `*/${LAST_RESTORE_DRILL_FILE}`, 's3:GetObject', 'kms:Decrypt');
  // The last-backup record: a point-in-time run's dump file size grows with its totalBytes.
  onKeys(startExport, `*/${LAST_BACKUP_FILE}`, 's3:GetObject', 'kms:Decrypt');
  acknowledge(
    startExport,
    `*/${LAST_BACKUP_FILE}`,
    `The last-backup record is <prefix><database>/${LAST_BACKUP_FILE}: reads only such keys.`,
  );
  // S3 answers NoSuchKey, not AccessDenied, before the first probe, drill or backup; and the slots
  // are listed.
  listBucket(startExport);
  acknowledge(
    startExport,
    `*/${LAST_RESTORE_DRILL_FILE}`,
    `Drill records are <prefix><database>/[<date>/<job>/]${LAST_RESTORE_DRILL_FILE}: only such keys.`,
  );
  // ORDS slots, `<prefix>_slots/<origin>/<n>.json` and its queue: created, taken over, read and
  // deleted (taken, topped up and dropped).
  onKeys(
    startExport,
    SLOT_KEY_PATTERN,
    's3:PutObject',
    's3:GetObject',
    's3:DeleteObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  acknowledge(startExport, SLOT_KEY_PATTERN, SLOT_KEYS_REASON);
  scoped.acknowledgeKeyUse(startExport);
  acknowledge(
    startExport,
    RUN_LOCK_KEY_PATTERN,
    'One run lock object per database, <prefix>_locks/<database>.json: only those keys.',
  );
}
