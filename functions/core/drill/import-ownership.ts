import type { S3Client } from '@aws-sdk/client-s3';
import { ImportNotOwnedError, OrdsUnavailableError } from '../base/index.js';
import { RELIST_DELAYS_MS } from '../export/index.js';
import type { DataPumpJob, Logger, OrdsApi, RestSqlApi } from '../ords/index.js';
import { mayHaveCreatedJob } from '../ords/index.js';
import {
  createIntent,
  IMPORT_INTENT_VERSION,
  type ImportIntent,
  readIntent,
  recordIntentJob,
  type StoredIntent,
} from './import-intent.js';
import { refuseOtherOwner } from './import-job-owner.js';
import {
  type DbIdentity,
  type ImportControlTable,
  identityQuery,
  importTablesQuery,
  isAtOrAfter,
  parseIdentity,
  parseImportTables,
} from './import-ownership-sql.js';

/**
 * Ownership of a Data Pump import by record, not by time: the one way a drill (and a restore) knows
 * which import, and which schemas, are its own.
 *
 * 1. Before the POST, the execution creates an intent record (If-None-Match) holding the database
 *    user ORDS runs as and the database clock, both read through REST-enabled SQL in one query
 *    (so it works under Basic and OAuth2 alike), and that query's proof that each target schema was
 *    absent then. A schema that exists already is refused: never imported into, never dropped.
 * 2. As soon as the POST answers, its job name is recorded (If-Match on the record's ETag).
 * 3. A retry adopts only the recorded job. When no job is recorded (the POST's answer was lost, or
 *    the invocation ended between the record and the POST), it reads the control tables of that
 *    user's ORDS imports (`USER_OBJECTS`) with their creation times and adopts the single one
 *    created at or after the intent time, compared in the database clock (never with the time in an
 *    ORDS job name, which is ORDS' clock), once its log shows no import into a schema other than
 *    the targets. Two such imports, an import into another schema, or a target that exists with no
 *    such import to own it are refused loudly (`ImportNotOwnedError`), naming what was found.
 *    Whatever the path, the job's owner as ORDS answers it (`owner_name`) must be the user the
 *    intent read (`USER`): a job of another owner is refused (`ImportNotOwnedError`, naming both),
 *    never adopted nor acted on. One that this call's POST started is recorded first, so that no
 *    retry POSTs a second import.
 * 4. `proveSchemaOwned` lets a schema be dropped only when the record names this execution and
 *    this job, and the database says the schema was created at or after the intent time.
 *
 * Clocks (see `import-ownership-sql.ts`): every time compared is the database host's, each made an
 * instant with the offset read beside it. On the night a clock turns back, a DATE from before the
 * turn read after it looks up to an hour later: the record's "absent when the intent was written",
 * read in the same query as the intent time, is what excludes an older schema then.
 */

/** What ownership needs: the intent record in S3, REST-enabled SQL, the job routes, a way to wait. */
export interface ImportOwnershipDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly sql: RestSqlApi;
  readonly ords: Pick<OrdsApi, 'getJob' | 'readLog'>;
  readonly logger: Logger;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** One import to start, or to find again. */
export interface OwnedImportRequest {
  /** The intent record's key (the drill's: `<backup folder>restore-drill-intent.json`). */
  readonly key: string;
  /** The execution that owns the import: a record of another execution is refused. */
  readonly executionArn: string;
  /** The schemas the import creates (its remap targets); each must be absent before it. */
  readonly targetSchemas: readonly string[];
  /** Who imports, for messages: `The restore drill of database "orders"`. */
  readonly subject: string;
  /** Starts the import (the POST). Called at most once per call, and only with no import to own. */
  readonly start: () => Promise<DataPumpJob>;
  /** Waits between the reads after a POST whose answer was lost. @default RELIST_DELAYS_MS */
  readonly relistDelaysMs?: readonly number[];
}

/** The import this execution owns. */
export interface OwnedImport {
  readonly job: DataPumpJob;
  /** False when this call's POST started it, true when it was found again. */
  readonly adopted: boolean;
  readonly intent: ImportIntent;
}

/**
 * Starts the import, or finds the one this execution started before (see the module comment).
 * Safe to call again after any interruption: it never starts a second import nor adopts another's.
 */
export async function startOwnedImport(
  deps: ImportOwnershipDeps,
  request: OwnedImportRequest,
): Promise<OwnedImport> {
  const targets = request.targetSchemas.map((target) => target.toUpperCase());
  let stored = await readIntent(deps, request.key);
  if (stored === null) {
    const identity = await readDbIdentity(deps, targets);
    refuseExisting(request, identity, targets, 'before this import was intended');
    const intent: ImportIntent = {
      importIntentVersion: IMPORT_INTENT_VERSION,
      executionArn: request.executionArn,
      targetSchemas: targets,
      dbUser: identity.dbUser,
      dbTime: identity.dbTime,
      dbOffset: identity.dbOffset,
      jobName: null,
      jobSource: null,
    };
    const created = await createIntent(deps, request.key, intent);
    if (created) return post(deps, request, created);
    stored = await readIntent(deps, request.key);
    if (stored === null) {
      throw new ImportNotOwnedError(
        `${request.subject}: s3://${deps.bucket}/${request.key} existed a moment ago and is gone now: nothing was started`,
      );
    }
  }
  return resume(deps, request, targets, stored);
}

/** An intent already there: its recorded job, the single import since it, or a fresh POST. */
async function resume(
  deps: ImportOwnershipDeps,
  request: OwnedImportRequest,
  targets: readonly string[],
  stored: StoredIntent,
): Promise<OwnedImport> {
  const { intent } = stored;
  const where = `s3://${deps.bucket}/${request.key}`;
  if (intent.executionArn !== request.executionArn) {
    throw new ImportNotOwnedError(
      `${request.subject}: ${where} belongs to execution ${intent.executionArn}, not to ` +
        `${request.executionArn}: nothing is imported, adopted or dropped`,
    );
  }
  if ([...intent.targetSchemas].sort().join() !== [...targets].sort().join()) {
    throw new ImportNotOwnedError(
      `${request.subject}: ${where} is for schemas ${intent.targetSchemas.join(', ')}, not ${targets.join(', ')}`,
    );
  }
  if (intent.jobName !== null) {
    const recordedJob = {
      subject: request.subject,
      dbUser: intent.dbUser,
      jobName: intent.jobName,
      how: `the import recorded in ${where} is`,
    };
    // A job of another owner, recorded by the POST that started it, is refused without asking ORDS.
    if (intent.jobOwner !== undefined) refuseOtherOwner({ ...recordedJob, owner: intent.jobOwner });
    const job = await deps.ords.getJob(intent.dbUser, intent.jobName);
    if (job === null) {
      throw new ImportNotOwnedError(
        `${request.subject}: the import recorded in ${where}, ${intent.dbUser}.${intent.jobName}, is no ` +
          'longer known to ORDS: nothing else is adopted or started',
      );
    }
    refuseOtherOwner({ ...recordedJob, owner: job.owner });
    deps.logger.warn('Adopting the recorded import of an earlier attempt', { importJob: job.jobName });
    return { job, adopted: true, intent };
  }
  const since = await importsSince(deps, intent);
  if (since.length > 0) return adopt(deps, request, stored, since);
  const identity = await readDbIdentity(deps, targets);
  refuseExisting(
    request,
    identity,
    targets,
    `although no import of ${intent.dbUser} was created since ${intent.dbTime}`,
  );
  return post(deps, request, stored);
}

/** POSTs the import and records its name; after a lost answer, adopts the single import since the intent. */
async function post(
  deps: ImportOwnershipDeps,
  request: OwnedImportRequest,
  stored: StoredIntent,
): Promise<OwnedImport> {
  let job: DataPumpJob;
  try {
    job = await request.start();
  } catch (error) {
    if (!mayHaveCreatedJob(error)) throw error;
    deps.logger.warn('The import POST got no answer: looking for the import it may have created', {
      key: request.key,
    });
    for (const delayMs of [0, ...(request.relistDelaysMs ?? RELIST_DELAYS_MS)]) {
      if (delayMs > 0) await deps.sleep(delayMs);
      const since = await importsSince(deps, stored.intent);
      if (since.length > 0) return adopt(deps, request, stored, since);
    }
    throw new OrdsUnavailableError(
      `${request.subject}: the import POST got no answer and no import of ${stored.intent.dbUser} created ` +
        `since ${stored.intent.dbTime} (database clock) appeared within about a minute: nothing was ` +
        'started. The retry reads the record again.',
      { cause: error },
    );
  }
  // Recorded whoever owns it: a retry then meets this job, never POSTs a second import.
  const recorded = await recordIntentJob(deps, request.key, stored, job, 'post');
  refuseOtherOwner({
    subject: request.subject,
    dbUser: stored.intent.dbUser,
    owner: job.owner,
    jobName: job.jobName,
    how: 'the import POST answered',
  });
  deps.logger.info('Import started and recorded', { importJob: job.jobName, key: request.key });
  return { job, adopted: false, intent: recorded.intent };
}

/** Adopts the one import since the intent, after checking it imports into no other schema. */
async function adopt(
  deps: ImportOwnershipDeps,
  request: OwnedImportRequest,
  stored: StoredIntent,
  since: readonly ImportControlTable[],
): Promise<OwnedImport> {
  const { intent } = stored;
  const found = since.map((table) => `${intent.dbUser}.${table.jobName} (created ${table.created})`);
  const [only] = since;
  if (since.length > 1 || only === undefined) {
    throw new ImportNotOwnedError(
      `${request.subject}: no import is recorded in s3://${deps.bucket}/${request.key} and ${since.length} ` +
        `imports were created since its intent (${intent.dbTime}, database clock): ${found.join(', ')}. ` +
        "Which one is this execution's cannot be proved, so none is adopted and nothing is dropped.",
    );
  }
  const job = await deps.ords.getJob(intent.dbUser, only.jobName);
  if (job === null) {
    throw new ImportNotOwnedError(
      `${request.subject}: the import created since the intent, ${found[0]}, is not known to ORDS: nothing adopted`,
    );
  }
  refuseOtherOwner({
    subject: request.subject,
    dbUser: intent.dbUser,
    owner: job.owner,
    jobName: job.jobName,
    how: `the import created since the intent (its control table is ${intent.dbUser}'s) is answered as`,
  });
  const foreign = await foreignTargets(deps, job, intent.targetSchemas);
  if (foreign.length > 0) {
    throw new ImportNotOwnedError(
      `${request.subject}: the import created since the intent, ${found[0]}, imports into ` +
        `${foreign.join(', ')}, not into ${intent.targetSchemas.join(', ')}: it is not this execution's, ` +
        'and nothing is adopted or dropped',
    );
  }
  const recorded = await recordIntentJob(deps, request.key, stored, job, 'adopted');
  deps.logger.warn('Adopting the one import created since the intent', { importJob: job.jobName });
  return { job, adopted: true, intent: recorded.intent };
}

/** The schemas other than `targets` that the job's log shows rows imported into (none while it shows none). */
async function foreignTargets(
  deps: ImportOwnershipDeps,
  job: DataPumpJob,
  targets: readonly string[],
): Promise<string[]> {
  const log = job.files.find((file) => file.kind === 'log');
  if (!log) return [];
  const text = await deps.ords.readLog(job.owner, job.jobName, log.name);
  const schemas = new Set([...text.matchAll(/imported "([^"]+)"\./g)].map((match) => match[1] ?? ''));
  return [...schemas].filter((schema) => !targets.includes(schema.toUpperCase()));
}

/**
 * Whether the schema may be dropped as this execution's import's: null when proved (the record names
 * this execution and `jobName`, and the database says `target` was created at or after the intent
 * time), `'absent'` when the schema does not exist, else why not.
 */
export async function schemaOwnershipProblem(
  deps: Pick<ImportOwnershipDeps, 's3' | 'bucket' | 'sql'>,
  check: {
    readonly key: string;
    readonly executionArn: string;
    readonly target: string;
    readonly jobName: string;
  },
): Promise<string | 'absent' | null> {
  const target = check.target.toUpperCase();
  const stored = await readIntent(deps, check.key);
  const where = `s3://${deps.bucket}/${check.key}`;
  if (stored === null) return `no intent record at ${where} proves that this execution's import created it`;
  const { intent } = stored;
  if (intent.executionArn !== check.executionArn) {
    return `${where} belongs to execution ${intent.executionArn}, not to this one`;
  }
  if (intent.jobName !== check.jobName) {
    return `${where} records import ${intent.jobName ?? '(none)'}, not ${check.jobName}`;
  }
  if (!intent.targetSchemas.includes(target))
    return `${where} names ${intent.targetSchemas.join(', ')}, not ${target}`;
  const identity = await readDbIdentity(deps, [target]);
  const created = identity.created[target] ?? null;
  if (created === null) return 'absent';
  if (!isAtOrAfter(created, identity.dbOffset, intent)) {
    return (
      `the database says it was created ${created}, before this import's intent (${intent.dbTime}, ` +
      "database clock), so it is not the import's own schema"
    );
  }
  return null;
}

/** The control tables of the intent user's ORDS imports created at or after the intent time. */
async function importsSince(deps: ImportOwnershipDeps, intent: ImportIntent): Promise<ImportControlTable[]> {
  const [result] = await deps.sql.runSql([importTablesQuery()]);
  if (!result) return [];
  const { tables, dbOffset } = parseImportTables(result);
  if (dbOffset === null) return [];
  return tables.filter((table) => isAtOrAfter(table.created, dbOffset, intent));
}

/**
 * The identity an import's intent records: the user REST-enabled SQL runs as, the database clock and
 * each target schema's creation (null: absent), in one query. The doctor runs it too ("Drill
 * identity"), so a refusal shows there before a drill meets it at night.
 */
export async function readDbIdentity(
  deps: Pick<ImportOwnershipDeps, 'sql'>,
  targets: readonly string[],
): Promise<DbIdentity> {
  const [result] = await deps.sql.runSql([identityQuery(targets)]);
  if (!result) throw new ImportNotOwnedError('REST-enabled SQL answered the identity query with no result');
  return parseIdentity(result, targets);
}

function refuseExisting(
  request: OwnedImportRequest,
  identity: DbIdentity,
  targets: readonly string[],
  when: string,
): void {
  const existing = targets.filter((target) => identity.created[target] != null);
  if (existing.length === 0) return;
  const list = existing
    .map((target) => `schema ${target} already exists (created ${identity.created[target]})`)
    .join('; ');
  throw new ImportNotOwnedError(
    `${request.subject} did not start: ${list} ${when}. An import creates its ` +
      'schemas and may drop them afterwards, so it never uses an existing one. Drop it ' +
      `(DROP USER "${existing[0]}" CASCADE) if it is left over from an earlier run, or pick another name.`,
  );
}
