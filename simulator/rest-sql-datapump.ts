/**
 * The consistent export block of `functions/core/export/consistent-block.ts` as REST-enabled SQL
 * receives it: recognised by its documented `DBMS_DATAPUMP` calls in their order, every value taken
 * from the named binds (../shared/consistent-export.md §1.6), and the polling query on
 * `USER_DATAPUMP_JOBS`. Anything else that calls DBMS_DATAPUMP is not recognised.
 */

/** An ORA- error (the shape of `SqlError` in rest-sql.ts, which imports this file). */
interface SqlError {
  readonly code: number;
  readonly message: string;
}

/** One bind of a REST-enabled SQL request as the client sent it. */
export interface RequestBind {
  readonly name?: unknown;
  readonly data_type?: unknown;
  readonly value?: unknown;
  readonly mode?: unknown;
}

/** What the block asks `DBMS_DATAPUMP` to do, read from its binds. */
export interface SqlExportRequest {
  readonly jobName: string;
  readonly directory: string;
  readonly logFileName: string;
  readonly dumpFileTemplate: string;
  readonly filesizeBytes: number;
  readonly degree: number;
  readonly runId: string;
  readonly schemas: readonly string[];
  readonly scnSource: 'DBMS_FLASHBACK' | 'TIMESTAMP_TO_SCN';
}

/** The calls the block must make, in this order. */
const CALLS: readonly RegExp[] = [
  /^DECLARE\b/i,
  /SELECT\s+(?:DBMS_FLASHBACK\.GET_SYSTEM_CHANGE_NUMBER|TIMESTAMP_TO_SCN\(SYSTIMESTAMP\))\s+INTO\s+scn\s+FROM\s+dual;/i,
  /:scn_out\s*:=\s*scn;/i,
  /DBMS_DATAPUMP\.OPEN\('EXPORT',\s*'SCHEMA',\s*NULL,\s*:job,\s*'COMPATIBLE'\)/i,
  /DBMS_DATAPUMP\.ADD_FILE\(h,\s*:logfile,\s*:dir,\s*NULL,\s*DBMS_DATAPUMP\.KU\$_FILE_TYPE_LOG_FILE\)/i,
  /DBMS_DATAPUMP\.ADD_FILE\(h,\s*:dumpfile,\s*:dir,\s*:filesize,\s*DBMS_DATAPUMP\.KU\$_FILE_TYPE_DUMP_FILE,\s*0\)/i,
  /DBMS_DATAPUMP\.SET_PARAMETER\(h,\s*'FLASHBACK_SCN',\s*scn\)/i,
  /DBMS_DATAPUMP\.SET_PARAMETER\(h,\s*'KEEP_MASTER',\s*1\)/i,
  /DBMS_DATAPUMP\.SET_PARAMETER\(h,\s*'LOGTIME',\s*'ALL'\)/i,
  /DBMS_DATAPUMP\.SET_PARALLEL\(h,\s*:degree\)/i,
  /DBMS_DATAPUMP\.LOG_ENTRY\(h,\s*'ords-datapump-backup run=' \|\| :run \|\| ' FLASHBACK_SCN=' \|\| scn\)/i,
  /DBMS_DATAPUMP\.START_JOB\(h\);/i,
  /DBMS_DATAPUMP\.DETACH\(h\);/i,
  /RAISE_APPLICATION_ERROR\(-20001,\s*msg\);\s*END;$/i,
];

/** The polling query of `functions/core/export/consistent-answer.ts`. */
export const USER_JOB_QUERY =
  /^SELECT\s+state\s*,\s*attached_sessions\s*,\s*datapump_sessions\s+FROM\s+user_datapump_jobs\s+WHERE\s+job_name\s*=\s*:j$/i;

/** Whether a statement calls DBMS_DATAPUMP at all (then it must be the block, or it fails). */
export function callsDatapump(text: string): boolean {
  return /\bDBMS_DATAPUMP\./i.test(text);
}

/**
 * Reads the block and its binds into the request it makes, or the error Oracle (or SQLcl) would give:
 * ORA-06550 for a block that is not the documented one, ORA-01008 for a bind it uses but was not sent,
 * ORA-06502 from `DBMS_ASSERT.ENQUOTE_LITERAL` for a schema with a quote.
 */
export function readExportBlock(text: string, binds: readonly RequestBind[]): SqlExportRequest | SqlError {
  if (text.includes('&')) {
    return {
      code: 900,
      message: 'ORA-00900: invalid SQL statement (SQLcl read & as a substitution variable)',
    };
  }
  let at = 0;
  for (const call of CALLS) {
    const found = call.exec(text.slice(at));
    if (!found) {
      return {
        code: 6550,
        message: `ORA-06550: line 1, column 1:\nPLS-00103: the simulator runs only the documented consistent export block (missing ${call.source})`,
      };
    }
    at += found.index + found[0].length;
  }
  const values = new Map<string, unknown>();
  for (const bind of binds) {
    if (typeof bind.name === 'string' && bind.mode !== 'out') values.set(bind.name.toLowerCase(), bind.value);
  }
  const used = [
    ...new Set([...text.matchAll(/:([a-z_][a-z0-9_]*)/gi)].map((m) => (m[1] ?? '').toLowerCase())),
  ];
  const outs = new Set(
    binds
      .filter((bind) => bind.mode === 'out' && typeof bind.name === 'string')
      .map((bind) => String(bind.name).toLowerCase()),
  );
  const missing = used.filter((name) => !outs.has(name) && !values.has(name));
  if (missing.length > 0 || !binds.some((bind) => bind.name === 'scn_out' && bind.mode === 'out')) {
    return { code: 1008, message: `ORA-01008: not all variables bound (${missing.join(', ') || 'scn_out'})` };
  }
  const text_ = (name: string) => String(values.get(name) ?? '');
  const schemas = used.filter((name) => /^schema\d+$/.test(name)).map(text_);
  if (schemas.some((schema) => schema.includes("'"))) {
    return {
      code: 6502,
      message: 'ORA-06502: PL/SQL: numeric or value error\nORA-06512: at "SYS.DBMS_ASSERT", line 409',
    };
  }
  return {
    jobName: text_('job'),
    directory: text_('dir'),
    logFileName: text_('logfile'),
    dumpFileTemplate: text_('dumpfile'),
    filesizeBytes: Number(values.get('filesize')),
    degree: Number(values.get('degree')),
    runId: text_('run'),
    schemas,
    scnSource: /DBMS_FLASHBACK\.GET_SYSTEM_CHANGE_NUMBER/i.test(text) ? 'DBMS_FLASHBACK' : 'TIMESTAMP_TO_SCN',
  };
}

/** The error the block's handler raises: Data Pump's error wrapped into ORA-20001. */
export function wrapped(error: SqlError): SqlError {
  return { code: 20001, message: `ORA-20001: ${error.message}\nORA-06512: at line 33` };
}
