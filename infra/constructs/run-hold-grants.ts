/** What the steps share about the keys a run holds, its run lock and its ORDS slots. */
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RUN_LOCK_KEY_PATTERN } from '../../functions/core/run/index.js';
import type { ScopedGrants } from './scoped-grants.js';

/** Why the steps that take or release ORDS slots may touch `SLOT_KEY_PATTERN` under every prefix. */
export const SLOT_KEYS_REASON =
  'ORDS slots and their queue, <prefix>_slots/<origin>/<n>.json: only those keys.';

/**
 * Lets `fn`, a step that changes the database server ("Clean up server", the restore drill's steps),
 * read the run lock right before it acts (HeadObject): `<prefix>_locks/<database>.json` only.
 */
export function grantRunLockRead(fn: IFunction, { onKeys, acknowledge }: ScopedGrants): void {
  onKeys(fn, RUN_LOCK_KEY_PATTERN, 's3:GetObject', 'kms:Decrypt');
  acknowledge(
    fn,
    RUN_LOCK_KEY_PATTERN,
    'Reads the run lock, <prefix>_locks/<database>.json, before it changes the database server: only those keys.',
  );
}
