import type { JobOutcome, LogLanguage } from './switch-types.js';

/**
 * Data Pump log files as an Oracle 19c database writes them, in English or Japanese (the session's
 * `NLS_LANGUAGE`), or in a synthetic language no client knows. The text of a job is fixed once the
 * job has finished; while it runs the log holds only the lines written so far (no final line).
 */

/** What a log is written about. */
export interface LogSubject {
  readonly owner: string;
  readonly jobName: string;
  readonly operation: 'EXPORT' | 'IMPORT';
  readonly jobMode: string;
  readonly outcome: JobOutcome;
  /** Full paths of the dump files, for the `Dump file set` block. */
  readonly dumpFilePaths: readonly string[];
  readonly startedAt: Date;
  readonly language: LogLanguage;
  /** An import's schemas: the tables of each `source` are logged as imported into its `target`. */
  readonly imports?: ReadonlyArray<{ readonly source: string; readonly target: string }>;
  /** ORA- lines an import writes before its tables (a schema not in the dump, a user that exists). */
  readonly notes?: readonly string[];
  /** The import leaves out its last table. */
  readonly missesTable?: boolean;
  /**
   * The `LOG_ENTRY` line of a job made through REST-enabled SQL: the log then starts with it (no
   * `expdp` banner: an API job has no client) and every line carries a `LOGTIME=ALL` timestamp.
   */
  readonly logEntry?: string;
}

/** The schema whose tables every simulated export writes (and every import of its dump reads). */
export const EXPORTED_SCHEMA = 'HR';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (value: number) => String(value).padStart(2, '0');

/** A time as Data Pump prints it, in UTC: `Mon Nov 23 02:00:31 2026`. */
export function oracleLogTime(date: Date): string {
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${time} ${date.getUTCFullYear()}`;
}

const JA_DAYS = ['日', '月', '火', '水', '木', '金', '土'];

/** A time as Data Pump prints it in Japanese, in UTC: `水 12月 11 10:31:41 2024`. */
export function oracleLogTimeJa(date: Date): string {
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${JA_DAYS[date.getUTCDay()]} ${date.getUTCMonth() + 1}月 ${date.getUTCDate()} ${time} ${date.getUTCFullYear()}`;
}

/** The `LOGTIME=ALL` prefix of a log line, in UTC: `07-DEC-26 02:00:01.123: `. */
export function logTimeStamp(date: Date): string {
  const day = `${two(date.getUTCDate())}-${(MONTHS[date.getUTCMonth()] ?? '').toUpperCase()}-${two(date.getUTCFullYear() % 100)}`;
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${day} ${time}.${String(date.getUTCMilliseconds()).padStart(3, '0')}: `;
}

/** An elapsed time as Data Pump prints it: `0 00:00:31` (days, then hours:minutes:seconds). */
export function oracleElapsed(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(seconds / 86_400);
  return `${days} ${two(Math.floor((seconds % 86_400) / 3600))}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
}

/**
 * The log's last line, which says how the job ended. The Japanese success and fatal lines follow real
 * transcripts (../shared/ords-datapump-api.md); the Japanese "errors" and "user request" lines are
 * shaped like them.
 */
export function finalLogLine(subject: LogSubject, finishedAt: Date): string {
  const quoted = `"${subject.owner}"."${subject.jobName}"`;
  const elapsed = oracleElapsed(finishedAt.getTime() - subject.startedAt.getTime());
  if (subject.language === 'ja') {
    const when = `${oracleLogTimeJa(finishedAt)} elapsed ${elapsed}`;
    switch (subject.outcome) {
      case 'success':
        return `ジョブ${quoted}が${when}で正常に完了しました`;
      case 'errors':
        return `ジョブ${quoted}が2個のエラーで${when}で完了しました`;
      case 'stopped':
        return `ジョブ${quoted}はユーザーの要求により${when}で停止しました`;
      case 'fatal':
      case 'no-log':
        return `ジョブ${quoted}は致命的なエラーのため${when}で停止しました`;
    }
  }
  if (subject.language === 'unknown') return `⟦${subject.outcome}⟧ ${quoted} ⟦${finishedAt.toISOString()}⟧`;
  const job = `Job ${quoted}`;
  const when = `at ${oracleLogTime(finishedAt)} elapsed ${elapsed}`;
  switch (subject.outcome) {
    case 'success':
      return `${job} successfully completed ${when}`;
    case 'errors':
      return `${job} completed with 2 error(s) ${when}`;
    case 'stopped':
      return `${job} stopped by user request ${when}`;
    case 'fatal':
    case 'no-log':
      return `${job} stopped due to fatal error ${when}`;
  }
}

/** The lines that name the job before it ends, in the log's language. */
function jobLines(subject: LogSubject): { starting: string; master: string; dumpFileSet: string } {
  const quoted = `"${subject.owner}"."${subject.jobName}"`;
  const id = `${subject.owner}.${subject.jobName}`;
  if (subject.language === 'ja') {
    return {
      starting: `${quoted}を起動しています:`,
      master: `マスター表${quoted}は正常にロード/アンロードされました`,
      dumpFileSet: `${id}に設定されたダンプ・ファイルは次のとおりです :`,
    };
  }
  return {
    starting: `Starting ${quoted}:`,
    master: `Master table ${quoted} successfully loaded/unloaded`,
    dumpFileSet: `Dump file set for ${id} is:`,
  };
}

function objectPaths(jobMode: string): string[] {
  const prefix =
    jobMode === 'FULL' ? 'DATABASE_EXPORT' : jobMode === 'SCHEMA' ? 'SCHEMA_EXPORT' : 'TABLE_EXPORT';
  const schemaLevel = jobMode === 'FULL' || jobMode === 'SCHEMA';
  return [
    'TABLE/TABLE_DATA',
    'TABLE/INDEX/STATISTICS/INDEX_STATISTICS',
    'TABLE/STATISTICS/TABLE_STATISTICS',
    'STATISTICS/MARKER',
    ...(schemaLevel
      ? [
          'USER',
          'SYSTEM_GRANT',
          'ROLE_GRANT',
          'DEFAULT_ROLE',
          'TABLESPACE_QUOTA',
          'PRE_SCHEMA/PROCACT_SCHEMA',
          'SEQUENCE/SEQUENCE',
        ]
      : []),
    'TABLE/TABLE',
    'TABLE/COMMENT',
    ...(schemaLevel ? ['PROCEDURE/PROCEDURE', 'PROCEDURE/ALTER_PROCEDURE', 'VIEW/VIEW'] : []),
    'TABLE/INDEX/INDEX',
    'TABLE/CONSTRAINT/CONSTRAINT',
    'TABLE/CONSTRAINT/REF_CONSTRAINT',
    'TABLE/TRIGGER',
  ].map((path) => `Processing object type ${prefix}/${path}`);
}

const TABLES: ReadonlyArray<readonly [string, string, number]> = [
  ['EMPLOYEES', '17.08 KB', 107],
  ['LOCATIONS', '8.437 KB', 23],
  ['JOB_HISTORY', '7.195 KB', 10],
  ['JOBS', '7.109 KB', 19],
  ['DEPARTMENTS', '7.125 KB', 27],
  ['COUNTRIES', '6.367 KB', 25],
  ['REGIONS', '5.546 KB', 4],
];

function tableLines(verb: 'exported' | 'imported', schema: string = EXPORTED_SCHEMA): string[] {
  return TABLES.map(
    ([table, size, rows]) =>
      `. . ${verb} ${`"${schema}"."${table}"`.padEnd(40)}${size.padStart(10)}${String(rows).padStart(8)} rows`,
  );
}

function banner(subject: LogSubject): string[] {
  const tool = subject.operation === 'EXPORT' ? 'Export' : 'Import';
  return [
    `${tool}: Release 19.0.0.0.0 - Production on ${oracleLogTime(subject.startedAt)}`,
    'Version 19.18.0.0.0',
    '',
    'Copyright (c) 1982, 2019, Oracle and/or its affiliates.  All rights reserved.',
    '',
    'Connected to: Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production',
  ];
}

const STACK = [
  'ORA-06512: at "SYS.DBMS_SYS_ERROR", line 105',
  'ORA-06512: at "SYS.KUPW$WORKER", line 12098',
  '',
  '----- PL/SQL Call Stack -----',
  '  object      line  object',
  '  handle    number  name',
  '0x7a3c8e28     33543  package body SYS.KUPW$WORKER.WRITE_ERROR_INFORMATION',
  '0x7a3c8e28     12119  package body SYS.KUPW$WORKER.DETERMINE_FATAL_ERROR',
  '0x7a3c8e28      4217  package body SYS.KUPW$WORKER.UNLOAD_METADATA',
  '0x7a3c8e28      2391  package body SYS.KUPW$WORKER.MAIN',
  '',
];

function exportBody(subject: LogSubject, finished: boolean): string[] {
  const paths = objectPaths(subject.jobMode);
  const half = Math.ceil(paths.length / 2);
  if (!finished) return paths.slice(0, half);
  const { master, dumpFileSet } = jobLines(subject);
  const dumpSet = [
    '******************************************************************************',
    dumpFileSet,
    ...subject.dumpFilePaths.map((path) => `  ${path}`),
  ];
  switch (subject.outcome) {
    case 'success':
      return [...paths, ...tableLines('exported'), master, ...dumpSet];
    case 'errors': {
      const procedure = paths.findIndex((line) => line.endsWith('/ALTER_PROCEDURE'));
      const at = procedure >= 0 ? procedure + 1 : paths.length;
      return [
        ...paths.slice(0, at),
        'ORA-39082: Object type ALTER_PROCEDURE:"HR"."ADD_JOB_HISTORY" created with compilation warnings',
        ...paths.slice(at),
        'ORA-31693: Table data object "HR"."EMP_AUDIT" failed to load/unload and is being skipped due to error:',
        'ORA-02354: error in exporting/importing data',
        'ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9_1650573845$" too small',
        ...tableLines('exported'),
        master,
        ...dumpSet,
      ];
    }
    case 'stopped':
      return [...paths, ...tableLines('exported').slice(0, 3)];
    case 'fatal':
    case 'no-log':
      return [
        ...paths.slice(0, half),
        'ORA-39126: Worker unexpected fatal error in KUPW$WORKER.UNLOAD_METADATA [TABLE_DATA:"HR"."EMPLOYEES"]',
        'ORA-01555: snapshot too old: rollback segment number 7 with name "_SYSSMU7_2070203016$" too small',
        ...STACK,
      ];
  }
}

function importBody(subject: LogSubject, finished: boolean): string[] {
  const { master, starting } = jobLines(subject);
  const paths = objectPaths(subject.jobMode);
  if (!finished) return [master, starting, ...paths.slice(0, 2)];
  const targets = subject.imports ?? [{ source: EXPORTED_SCHEMA, target: EXPORTED_SCHEMA }];
  const imported = targets.flatMap(({ target }) =>
    tableLines('imported', target).slice(0, subject.missesTable ? -1 : undefined),
  );
  const notes = subject.notes ?? [];
  switch (subject.outcome) {
    case 'success':
      return [master, starting, ...notes, ...paths, ...imported];
    case 'errors':
      return [
        master,
        starting,
        ...notes,
        ...paths,
        ...imported,
        ...(notes.length > 0
          ? []
          : [
              'ORA-39083: Object type PROCEDURE:"HR"."ADD_JOB_HISTORY" failed to create with error:',
              'ORA-01031: insufficient privileges',
            ]),
      ];
    case 'stopped':
      return [master, starting, ...notes, ...paths, ...imported.slice(0, 3)];
    case 'fatal':
    case 'no-log':
      return [
        master,
        starting,
        ...notes,
        ...paths.slice(0, Math.ceil(paths.length / 2)),
        'ORA-39126: Worker unexpected fatal error in KUPW$WORKER.LOAD_METADATA [TABLE_DATA:"HR"."EMPLOYEES"]',
        'ORA-01653: unable to extend table HR.EMPLOYEES by 128 in tablespace USERS',
        ...STACK,
      ];
  }
}

/** The log without its dump file set block: the header line and the indented paths after it. */
export function withoutDumpFileSet(text: string, subject: LogSubject): string {
  const header = jobLines(subject).dumpFileSet;
  const lines = text.split('\n');
  const at = lines.indexOf(header);
  if (at < 0) return text;
  let end = at + 1;
  while (end < lines.length && lines[end]!.startsWith('  ')) end += 1;
  return [...lines.slice(0, at), ...lines.slice(end)].join('\n');
}

/**
 * The log text of a job: the lines written so far while it runs (`finishedAt` null), or the whole log
 * ending with the final `Job "OWNER"."JOB" …` line.
 */
export function logText(subject: LogSubject, finishedAt: Date | null): string {
  const finished = finishedAt !== null;
  const head = subject.logEntry === undefined ? banner(subject) : [subject.logEntry];
  const lines =
    subject.operation === 'EXPORT'
      ? [...head, jobLines(subject).starting, ...exportBody(subject, finished)]
      : [...head, ...importBody(subject, finished)];
  if (finishedAt) lines.push(finalLogLine(subject, finishedAt));
  const stamped =
    subject.logEntry === undefined
      ? lines
      : lines.map((line, index) => {
          // Lines a few milliseconds apart from the start; the final line at the job's end.
          const last = finishedAt !== null && index === lines.length - 1;
          return `${logTimeStamp(last ? finishedAt : new Date(subject.startedAt.getTime() + index * 7))}${line}`;
        });
  return `${stamped.join('\n')}\n`;
}
