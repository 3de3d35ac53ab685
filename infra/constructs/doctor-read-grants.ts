/** The doctor's reads of the backup bucket: changes when a doctor check reads another record. */
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { CONSISTENCY_PROBE_FILE } from '../../functions/core/run/index.js';
import { LAST_BACKUP_FILE } from '../../functions/core/state/index.js';
import { scopedGrants } from './scoped-grants.js';

/**
 * The doctor's undo check reads the last export's elapsed time: `last-backup.json`, then the manifest
 * it names; its probe check reads `consistency-probe.json`; read-only, under the deployment's key
 * `prefixes`. s3:ListBucket makes S3 answer NoSuchKey (no backup yet), not AccessDenied.
 */
export function grantDoctorReads(bucket: IBucket, doctor: IFunction, prefixes: readonly string[]): void {
  const { onKeys, acknowledge, listBucket } = scopedGrants(bucket, prefixes);
  for (const file of [LAST_BACKUP_FILE, 'manifest.json', CONSISTENCY_PROBE_FILE]) {
    onKeys(doctor, `*/${file}`, 's3:GetObject', 'kms:Decrypt');
    acknowledge(
      doctor,
      `*/${file}`,
      `The doctor's undo and probe checks read <prefix><database>/.../${file}: only such keys, read-only.`,
    );
  }
  listBucket(doctor);
}
