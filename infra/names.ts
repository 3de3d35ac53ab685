/**
 * The names a deployment derives from its prefix, in one place: the construct names its resources
 * with them, and the operator commands (`npm run doctor`) find those resources by them.
 */

/** The prefix of a deployment's named resources unless one is given. */
export const DEFAULT_NAME_PREFIX = 'ords-datapump-backup';

/** `<prefix>-doctor`, e.g. `ords-datapump-backup-doctor`. */
export function doctorFunctionName(prefix: string = DEFAULT_NAME_PREFIX): string {
  return `${prefix}-doctor`;
}

/**
 * A name prefix: 1 to 31 of letters, digits and `-`, starting with a letter, not ending with `-`.
 * The tightest name built from it is a schedule's, `<prefix>-<database id>`: EventBridge Scheduler
 * allows 64 characters and a database id has up to 32. The state machine (80 of `A-Za-z0-9-_`),
 * the doctor function `<prefix>-doctor` (64) and the SSM path segment fit too.
 */
export const NAME_PREFIX = /^[A-Za-z](?:[A-Za-z0-9-]{0,29}[A-Za-z0-9])?$/;
