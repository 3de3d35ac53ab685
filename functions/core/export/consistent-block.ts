import { InvalidInputError } from '../base/index.js';
import { checkJobName } from './consistent-job-name.js';
import { type ExportSpec, ExportSpecSchema, FILE_NAME_TEMPLATE, ORACLE_IDENTIFIER } from './export-spec.js';

/**
 * The PL/SQL block that defines and starts a consistent export with `DBMS_DATAPUMP`, and the
 * REST-enabled SQL request that runs it (../shared/consistent-export.md §1.6, §6). Every value travels
 * as a named bind; the only text that varies is a fixed choice of code (how the SCN is read, which
 * options are on), never a configured value. The block contains no `&`: REST-enabled SQL runs scripts
 * through SQLcl, whose substitution variables start with `&`.
 */

/** How the block reads the SCN: `doctor` chooses it from whether EXECUTE on DBMS_FLASHBACK is granted. */
export type ScnSource = 'DBMS_FLASHBACK' | 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)';

/** The SQL expression of each SCN source (fixed code, never user text). */
const SCN_EXPRESSIONS: Readonly<Record<ScnSource, string>> = {
  DBMS_FLASHBACK: 'DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER',
  'TIMESTAMP_TO_SCN(SYSTIMESTAMP)': 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)',
};

/** Paid options an operator can acknowledge holding a licence for. */
export type LicensedOption = 'advanced-compression' | 'advanced-security' | 'enterprise-edition';

/** Data Pump options of a consistent export. None that costs a licence is on by default. */
export interface ConsistentExportOptions {
  /** Largest size of one dump file, in bytes (`FILESIZE`). @default 8 GiB */
  readonly filesizeBytes?: number;
  /** Leave optimizer statistics out (`EXCLUDE_PATH_EXPR IN ('STATISTICS')`). Free. @default false */
  readonly excludeStatistics?: boolean;
  /** `COMPRESSION`: ALL and DATA_ONLY need Advanced Compression. @default - Data Pump's METADATA_ONLY */
  readonly compression?: 'ALL' | 'DATA_ONLY';
  /** `ENCRYPTION` with the database's TDE wallet (`ENCRYPTION_MODE=TRANSPARENT`): needs Advanced Security. @default - none */
  readonly encryption?: 'ALL' | 'DATA_ONLY' | 'METADATA_ONLY';
  /** Options whose licence the operator acknowledged in the configuration. @default [] */
  readonly licensedOptions?: readonly LicensedOption[];
}

/** What a consistent export block is made from. */
export interface ConsistentExportInput {
  /** The run (execution) this export belongs to: written into the log by `LOG_ENTRY`. */
  readonly runId: string;
  /** The job name (`consistentJobName(runId)`). */
  readonly jobName: string;
  /** What to export: SCHEMA mode only. */
  readonly spec: ExportSpec;
  /** Dump file name template with `%U`, e.g. `ODBK_X-%U.DMP`. */
  readonly dumpFileTemplate: string;
  /** Log file name, e.g. `ODBK_X.LOG`. */
  readonly logFileName: string;
  /** How the SCN is read. */
  readonly scnSource: ScnSource;
  readonly options?: ConsistentExportOptions;
}

/** One named bind of a REST-enabled SQL request. */
export interface SqlBind {
  readonly name: string;
  readonly data_type: 'VARCHAR2' | 'NUMBER';
  readonly value?: string | number;
  readonly mode?: 'out';
}

/** The REST-enabled SQL request (`application/json`) that defines and starts the job. */
export interface ConsistentExportRequest {
  readonly statementText: string;
  readonly binds: readonly SqlBind[];
}

/** One Data Pump setting the block sends, for the manifest ("the exact parameters sent"). */
export interface DataPumpSetting {
  readonly call: 'ADD_FILE' | 'METADATA_FILTER' | 'SET_PARAMETER' | 'SET_PARALLEL';
  readonly name: string;
  /** The value; the SCN is read inside the block, so `FLASHBACK_SCN` shows `scn_out`. */
  readonly value: string;
}

/** The request, and the settings it makes, for the manifest. */
export interface ConsistentExportPlan {
  readonly jobName: string;
  readonly request: ConsistentExportRequest;
  readonly settings: readonly DataPumpSetting[];
  /** The licensed options this export uses (recorded in the manifest). */
  readonly licensedOptionsUsed: readonly LicensedOption[];
}

/** Default `FILESIZE`: 8 GiB. */
export const DEFAULT_FILESIZE_BYTES = 8 * 1024 ** 3;
/** Smallest `FILESIZE` accepted: 10 MiB (Data Pump needs at least 10 file-system blocks). */
export const MIN_FILESIZE_BYTES = 10 * 1024 ** 2;
/** Largest `FILESIZE` accepted: 1 TiB. */
export const MAX_FILESIZE_BYTES = 1024 ** 4;

/** Most dump files `%U` can number (ORA-39095 beyond); the file size keeps a run below it with room. */
export const MAX_DUMP_FILES = 99;
/** Headroom over the last run's size: a schema may grow by half before a run needs more files. */
const GROWTH_HEADROOM = 1.5;
/** Files a run aims to stay under, below `MAX_DUMP_FILES`. */
const TARGET_DUMP_FILES = 90;

/**
 * The `FILESIZE` of a run: `DEFAULT_FILESIZE_BYTES`, or, when the last run's dump (plus half again)
 * would need more than 90 files of it, a whole number of GiB that keeps it at 90 files (at most 1 TiB).
 * `lastDumpBytes` null (no earlier run) gives the default.
 */
export function filesizeForRun(lastDumpBytes: number | null): number {
  if (lastDumpBytes === null || !Number.isFinite(lastDumpBytes) || lastDumpBytes <= 0)
    return DEFAULT_FILESIZE_BYTES;
  const needed = Math.ceil((lastDumpBytes * GROWTH_HEADROOM) / TARGET_DUMP_FILES / 1024 ** 3) * 1024 ** 3;
  return Math.min(MAX_FILESIZE_BYTES, Math.max(DEFAULT_FILESIZE_BYTES, needed));
}

const LOG_FILE_NAME = /^[A-Za-z0-9_.-]{1,100}\.LOG$/i;
/** Run ids: execution names and ARNs (letters, digits, `: _ . - /`). */
const RUN_ID = /^[A-Za-z0-9:_./-]{1,256}$/;

/**
 * Builds the request that defines and starts a consistent export. Refuses (InvalidInputError, naming
 * the value) anything the block cannot carry safely: another job mode, a name that is not a simple SQL
 * name, and a licensed option without its acknowledgement.
 */
export function consistentExportPlan(input: ConsistentExportInput): ConsistentExportPlan {
  const jobName = checkJobName(input.jobName);
  if (!RUN_ID.test(input.runId)) {
    throw new InvalidInputError(
      `run id ${JSON.stringify(input.runId)} is not allowed: use letters, digits and : _ . - /`,
    );
  }
  if (!FILE_NAME_TEMPLATE.test(input.dumpFileTemplate)) {
    throw new InvalidInputError(
      `dump file template ${JSON.stringify(input.dumpFileTemplate)} is not allowed: use letters, digits, _ . - and one %U, ending in .DMP`,
    );
  }
  if (!LOG_FILE_NAME.test(input.logFileName)) {
    throw new InvalidInputError(
      `log file name ${JSON.stringify(input.logFileName)} is not allowed: use letters, digits, _ . -, ending in .LOG`,
    );
  }
  const parsed = ExportSpecSchema.safeParse(input.spec);
  if (!parsed.success)
    throw new InvalidInputError(`export spec is not valid: ${parsed.error.issues[0]?.message}`);
  const spec = parsed.data;
  if (spec.jobMode !== 'SCHEMA') {
    throw new InvalidInputError(`a consistent export runs in SCHEMA mode only, got jobMode ${spec.jobMode}`);
  }
  if (spec.tablespaceExpressions) {
    throw new InvalidInputError('tablespaceExpressions do not apply to a SCHEMA mode consistent export');
  }
  const options = input.options ?? {};
  const licensed = checkLicences(options, spec.threads ?? 1);
  const filesize = options.filesizeBytes ?? DEFAULT_FILESIZE_BYTES;
  if (!Number.isSafeInteger(filesize) || filesize < MIN_FILESIZE_BYTES || filesize > MAX_FILESIZE_BYTES) {
    throw new InvalidInputError(
      `filesize ${filesize} is not allowed: use a whole number of bytes from ${MIN_FILESIZE_BYTES} (10 MiB) to ${MAX_FILESIZE_BYTES} (1 TiB)`,
    );
  }

  const binds: SqlBind[] = [
    { name: 'scn_out', data_type: 'NUMBER', mode: 'out' },
    // The database time (UTC) read right after the SCN, in the same block: the manifest records it.
    { name: 'scn_time_out', data_type: 'VARCHAR2', mode: 'out' },
    { name: 'job', data_type: 'VARCHAR2', value: jobName },
    { name: 'dir', data_type: 'VARCHAR2', value: spec.datapumpDir.toUpperCase() },
    { name: 'logfile', data_type: 'VARCHAR2', value: input.logFileName },
    { name: 'dumpfile', data_type: 'VARCHAR2', value: input.dumpFileTemplate },
    { name: 'filesize', data_type: 'VARCHAR2', value: String(filesize) },
    { name: 'degree', data_type: 'NUMBER', value: spec.threads ?? 1 },
    { name: 'run', data_type: 'VARCHAR2', value: input.runId },
  ];
  const settings: DataPumpSetting[] = [
    { call: 'ADD_FILE', name: 'LOG_FILE', value: input.logFileName },
    { call: 'ADD_FILE', name: 'DUMP_FILE', value: input.dumpFileTemplate },
    { call: 'ADD_FILE', name: 'FILESIZE', value: String(filesize) },
  ];
  const filters: string[] = [];
  const schemas = schemaNames(spec);
  if (schemas.length > 0) {
    const names = schemas.map((schema, index) => {
      binds.push({ name: `schema${index + 1}`, data_type: 'VARCHAR2', value: schema });
      return `DBMS_ASSERT.ENQUOTE_LITERAL(:schema${index + 1})`;
    });
    filters.push(
      `DBMS_DATAPUMP.METADATA_FILTER(h, 'SCHEMA_EXPR', 'IN (' || ${names.join(" || ',' || ")} || ')');`,
    );
    settings.push({
      call: 'METADATA_FILTER',
      name: 'SCHEMA_EXPR',
      value: `IN (${schemas.map((s) => `'${s}'`).join(',')})`,
    });
  }
  for (const [kind, list] of [
    ['SCHEMA_EXPR', spec.schemaExpressions],
    ['NAME_EXPR', spec.nameExpressions],
  ] as const) {
    for (const expression of list ?? []) {
      const name = `${kind === 'SCHEMA_EXPR' ? 'schema_expr' : 'name_expr'}${binds.length}`;
      binds.push({ name, data_type: 'VARCHAR2', value: expression.trim() });
      filters.push(`DBMS_DATAPUMP.METADATA_FILTER(h, '${kind}', :${name});`);
      settings.push({ call: 'METADATA_FILTER', name: kind, value: expression.trim() });
    }
  }
  if (options.excludeStatistics) {
    filters.push(`DBMS_DATAPUMP.METADATA_FILTER(h, 'EXCLUDE_PATH_EXPR', 'IN (''STATISTICS'')');`);
    settings.push({ call: 'METADATA_FILTER', name: 'EXCLUDE_PATH_EXPR', value: "IN ('STATISTICS')" });
  }
  settings.push(
    { call: 'SET_PARAMETER', name: 'FLASHBACK_SCN', value: 'scn_out' },
    { call: 'SET_PARAMETER', name: 'KEEP_MASTER', value: '1' },
    { call: 'SET_PARAMETER', name: 'METRICS', value: '1' },
    { call: 'SET_PARAMETER', name: 'LOGTIME', value: 'ALL' },
  );
  const paid: string[] = [];
  if (options.compression) {
    binds.push({ name: 'compression', data_type: 'VARCHAR2', value: options.compression });
    paid.push(`DBMS_DATAPUMP.SET_PARAMETER(h, 'COMPRESSION', :compression);`);
    settings.push({ call: 'SET_PARAMETER', name: 'COMPRESSION', value: options.compression });
  }
  if (options.encryption) {
    binds.push({ name: 'encryption', data_type: 'VARCHAR2', value: options.encryption });
    paid.push(
      `DBMS_DATAPUMP.SET_PARAMETER(h, 'ENCRYPTION', :encryption);`,
      `DBMS_DATAPUMP.SET_PARAMETER(h, 'ENCRYPTION_MODE', 'TRANSPARENT');`,
    );
    settings.push(
      { call: 'SET_PARAMETER', name: 'ENCRYPTION', value: options.encryption },
      { call: 'SET_PARAMETER', name: 'ENCRYPTION_MODE', value: 'TRANSPARENT' },
    );
  }
  settings.push({ call: 'SET_PARALLEL', name: 'DEGREE', value: String(spec.threads ?? 1) });

  const statementText = block(SCN_EXPRESSIONS[input.scnSource], [...filters], paid);
  if (statementText.includes('&')) throw new Error('the consistent export block must not contain &');
  return { jobName, request: { statementText, binds }, settings, licensedOptionsUsed: licensed };
}

/** The schema names of a spec's `schemas` or `filter` (SCHEMA mode: a comma list of schema names). */
function schemaNames(spec: ExportSpec): string[] {
  const names = spec.schemas ?? spec.filter?.split(',').map((item) => item.trim()) ?? [];
  return names.map((name) => {
    if (!ORACLE_IDENTIFIER.test(name)) {
      throw new InvalidInputError(
        `schema ${JSON.stringify(name)} is not an Oracle identifier (no wildcards in a consistent export's filter)`,
      );
    }
    return name.toUpperCase();
  });
}

/** The licensed options used, or an InvalidInputError naming the option whose licence is not acknowledged. */
function checkLicences(options: ConsistentExportOptions, degree: number): LicensedOption[] {
  const acknowledged = new Set(options.licensedOptions ?? []);
  const used: Array<[LicensedOption, string]> = [];
  if (options.compression) used.push(['advanced-compression', `compression ${options.compression}`]);
  if (options.encryption) used.push(['advanced-security', `encryption ${options.encryption}`]);
  if (degree > 1) used.push(['enterprise-edition', `a parallel degree of ${degree} (threads)`]);
  for (const [option, what] of used) {
    if (!acknowledged.has(option)) {
      throw new InvalidInputError(
        `${what} needs the Oracle licence "${option}": add "${option}" to licensedOptions in the database's configuration to acknowledge it, or remove the setting`,
      );
    }
  }
  return used.map(([option]) => option);
}

/** The block of ../shared/consistent-export.md §1.6 with the chosen SCN expression and option lines. */
function block(scnExpression: string, filters: readonly string[], paid: readonly string[]): string {
  return [
    'DECLARE',
    '  h NUMBER; scn NUMBER; started BOOLEAN := FALSE;',
    '  st VARCHAR2(30); sts ku$_Status; msg VARCHAR2(4000);',
    'BEGIN',
    `  SELECT ${scnExpression} INTO scn FROM dual;`,
    '  :scn_out := scn;',
    // ISO 8601 basic format: no colon in the text, which a bind parser could read as a bind.
    `  :scn_time_out := TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYYMMDD"T"HH24MISS.FF3"Z"');`,
    "  h := DBMS_DATAPUMP.OPEN('EXPORT', 'SCHEMA', NULL, :job, 'COMPATIBLE');",
    '  DBMS_DATAPUMP.ADD_FILE(h, :logfile, :dir, NULL, DBMS_DATAPUMP.KU$_FILE_TYPE_LOG_FILE);',
    '  DBMS_DATAPUMP.ADD_FILE(h, :dumpfile, :dir, :filesize, DBMS_DATAPUMP.KU$_FILE_TYPE_DUMP_FILE, 0);',
    ...filters.map((line) => `  ${line}`),
    "  DBMS_DATAPUMP.SET_PARAMETER(h, 'FLASHBACK_SCN', scn);",
    "  DBMS_DATAPUMP.SET_PARAMETER(h, 'KEEP_MASTER', 1);",
    "  DBMS_DATAPUMP.SET_PARAMETER(h, 'METRICS', 1);",
    "  DBMS_DATAPUMP.SET_PARAMETER(h, 'LOGTIME', 'ALL');",
    ...paid.map((line) => `  ${line}`),
    '  DBMS_DATAPUMP.SET_PARALLEL(h, :degree);',
    `  DBMS_DATAPUMP.LOG_ENTRY(h, '${LOG_MARKER} run=' || :run || ' FLASHBACK_SCN=' || scn);`,
    '  DBMS_DATAPUMP.START_JOB(h);',
    '  started := TRUE;',
    '  DBMS_DATAPUMP.DETACH(h);',
    'EXCEPTION WHEN OTHERS THEN',
    '  IF started THEN RAISE; END IF;',
    '  msg := SQLERRM;',
    '  IF h IS NOT NULL THEN',
    '    BEGIN DBMS_DATAPUMP.GET_STATUS(h, DBMS_DATAPUMP.KU$_STATUS_JOB_ERROR, 0, st, sts);',
    '      IF sts.error IS NOT NULL THEN FOR i IN 1 .. sts.error.COUNT LOOP',
    '        msg := SUBSTR(msg || CHR(10) || sts.error(i).LogText, 1, 4000); END LOOP; END IF;',
    '    EXCEPTION WHEN OTHERS THEN NULL; END;',
    '    BEGIN DBMS_DATAPUMP.DETACH(h); EXCEPTION WHEN OTHERS THEN NULL; END;',
    '  END IF;',
    '  RAISE_APPLICATION_ERROR(-20001, msg);',
    'END;',
  ].join('\n');
}

/** The text `LOG_ENTRY` writes first into the log: `ords-datapump-backup run=<run> FLASHBACK_SCN=<scn>`. */
export const LOG_MARKER = 'ords-datapump-backup';
