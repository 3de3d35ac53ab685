import { ImportNotOwnedError } from '../base/index.js';

/**
 * The owner check of an import job: a job is this execution's only when ORDS names as its owner
 * (`owner_name`) the database user the intent record read with `SELECT USER` through REST-enabled
 * SQL. Everything that proves ownership afterwards (the control tables in `USER_OBJECTS`, the drop
 * of the schema, the removal of the import's log and control table) is that user's: a job of
 * another owner is never adopted nor acted on.
 */

/** What is compared: the job ORDS answered, and the user the intent recorded. */
export interface JobOwnerCheck {
  /** Who imports, for messages: `The restore drill of database "orders"`. */
  readonly subject: string;
  /** The intent record's `dbUser` (`SELECT USER`). */
  readonly dbUser: string;
  /** `owner_name` as ORDS answered it (trimmed, case kept). */
  readonly owner: string;
  readonly jobName: string;
  /** How the job was met, for messages: `the import POST answered`, `the recorded import`. */
  readonly how: string;
}

/** Refuses (`ImportNotOwnedError`, naming both owners) a job whose owner is not the intent's user. */
export function refuseOtherOwner(check: JobOwnerCheck): void {
  if (check.owner === check.dbUser) return;
  throw new ImportNotOwnedError(
    `${check.subject}: ${check.how} ${check.owner}.${check.jobName}, owned by ${check.owner}, not by ` +
      `${check.dbUser}, the database user REST-enabled SQL runs as (SELECT USER, read in the intent). ` +
      'It is not adopted and nothing of it is touched: no DROP USER, no file or control table removed. ' +
      'ORDS runs Data Pump imports as another user than REST-enabled SQL: give both the same database ' +
      'user (docs/ords-prerequisites.md#restore-drill), and look at that import in DBA_DATAPUMP_JOBS.',
  );
}
