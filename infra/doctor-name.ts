/**
 * The doctor function's name, in one place: the stack names the function with it and
 * `npm run doctor` invokes it by it unless told another.
 */

/** The prefix of a deployment's named resources unless one is given. */
export const DEFAULT_NAME_PREFIX = 'ords-datapump-backup';

/** `<prefix>-doctor`, e.g. `ords-datapump-backup-doctor`. */
export function doctorFunctionName(prefix: string = DEFAULT_NAME_PREFIX): string {
  return `${prefix}-doctor`;
}
