/** The cleanup function's grants on the backup bucket: cleanup records, and the run's release. */
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SERVER_CLEANUP_FILE } from '../../functions/core/cleanup/index.js';
import {
  RUN_LOCK_KEY_PATTERN,
  SLOT_KEY_PATTERN,
  UNFINISHED_RUNS_KEY_PATTERN,
} from '../../functions/core/run/index.js';
import { grantRunLockRead, SLOT_KEYS_REASON } from './run-hold-grants.js';
import type { ScopedGrants } from './scoped-grants.js';

/**
 * "Clean up server" and "Release run lock" (one function): reads the run lock before it changes the
 * server, checks the manifest, records the cleanup beside it, and at the run's end deletes the run
 * lock and the ORDS slots its execution holds, under the deployment's prefixes only.
 */
export function grantCleanUpServer(cleanUpServer: IFunction, scoped: ScopedGrants): void {
  const { onKeys, acknowledge } = scoped;
  grantRunLockRead(cleanUpServer, scoped);
  // "Release run lock" deletes the run lock its execution holds when the run ends.
  onKeys(cleanUpServer, RUN_LOCK_KEY_PATTERN, 's3:DeleteObject');
  // The cleanup takes its run out of the database's unfinished runs (If-Match; deleted when empty).
  onKeys(cleanUpServer, UNFINISHED_RUNS_KEY_PATTERN, 's3:PutObject', 'kms:GenerateDataKey*');
  acknowledge(
    cleanUpServer,
    UNFINISHED_RUNS_KEY_PATTERN,
    'The unfinished runs of a database are <prefix>_locks/<database>.unfinished.json: only such keys are writable.',
  );
  // "Clean up server" checks that the manifest exists (HeadObject) and records the cleanup beside it.
  onKeys(cleanUpServer, '*/manifest.json', 's3:GetObject', 'kms:Decrypt');
  // Write-once (If-None-Match); on 412 a retry reads the record to recognise its earlier try's.
  onKeys(
    cleanUpServer,
    `*/${SERVER_CLEANUP_FILE}`,
    's3:PutObject',
    's3:GetObject',
    'kms:Decrypt',
    'kms:GenerateDataKey*',
  );
  acknowledge(
    cleanUpServer,
    '*/manifest.json',
    'Nothing is removed from the server before <prefix><database>/<date>/<job>/manifest.json exists: reads only such keys.',
  );
  acknowledge(
    cleanUpServer,
    `*/${SERVER_CLEANUP_FILE}`,
    `The cleanup record is written as <prefix><database>/<date>/<job>/${SERVER_CLEANUP_FILE}: only such keys are writable.`,
  );
  // "Release run lock" reads and deletes the ORDS slots its execution holds.
  onKeys(cleanUpServer, SLOT_KEY_PATTERN, 's3:GetObject', 's3:DeleteObject', 'kms:Decrypt');
  acknowledge(cleanUpServer, SLOT_KEY_PATTERN, SLOT_KEYS_REASON);
  scoped.acknowledgeKeyUse(cleanUpServer);
}
