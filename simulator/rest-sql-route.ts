import { databaseClockTime } from './database-clock.js';
import type { DatabaseUsers } from './database-users.js';
import type { Exchange } from './exchange.js';
import type { JobStore } from './job-store.js';
import { runScript, type SqlDatabase, splitScript } from './rest-sql.js';
import type { RequestBind } from './rest-sql-datapump.js';
import { isUploadBlock, runUploadBlock, type UploadDatabase } from './rest-sql-upload.js';
import type { SimulatorOptions } from './simulator-options.js';
import { runExportBlock, ScnClock, userJobRows } from './sql-export-job.js';
import { probeJobRows } from './sql-probe-job-rows.js';

/**
 * `POST <basePath>_/sql`: REST-enabled SQL on the simulated database (its jobs, directories and
 * users), the script sent as `application/sql` or as `{"statementText"}` in `application/json`.
 */

/** The database REST-enabled SQL acts on: the jobs and their files, the directories and the users. */
export function sqlDatabase(
  store: JobStore,
  users: DatabaseUsers,
  options: () => SimulatorOptions,
): SqlDatabase {
  const scns = new ScnClock();
  return {
    runExportBlock: (caller, text, binds) => runExportBlock(store, options(), scns, caller, text, binds),
    userJobRows: (caller, jobName) => userJobRows(store, caller, jobName),
    stopJob: (caller, jobName) => store.stopNow(caller, jobName),
    probeJobRows: (caller) => probeJobRows(store, options(), caller),
    undoRetentionSeconds: () => options().undoRetentionSeconds,
    edition: () => options().edition,
    removeFile: (directory, fileName) => store.removeFile(directory, fileName),
    dropTable: (caller, owner, table) => store.dropTable(caller, owner, table),
    hasDirectory: (directory) => store.hasDirectory(directory),
    queryUser: (username) => {
      const created = users.find(username)?.created;
      const clock = (date: Date) => databaseClockTime(date, options().databaseTimeZone).text;
      return { dbTime: clock(options().now()), created: created ? clock(created) : null };
    },
    identity: (caller, usernames) => {
      const zone = options().databaseTimeZone;
      const now = databaseClockTime(options().now(), zone);
      const created = usernames.map((name) => {
        const user = users.find(name);
        return user ? databaseClockTime(user.created, zone).text : null;
      });
      return { dbUser: caller, dbTime: now.text, dbOffset: now.offset, created };
    },
    importTables: (caller) => {
      const zone = options().databaseTimeZone;
      return store.controlTables(caller, 'IMPORT').map((table) => ({
        job_name: table.jobName,
        created: databaseClockTime(table.createdAt, zone).text,
        db_offset: databaseClockTime(options().now(), zone).offset,
      }));
    },
    dropUser: (caller, username) => users.drop(caller, username),
    fileSize: (directory, fileName) => store.fileSize(directory, fileName),
    sessionGrants: () => ({ roles: options().sessionRoles, privileges: options().sessionPrivileges }),
  };
}

/** The database the restore's blocks act on: the store's directories and uploaded files. */
export function uploadDatabase(store: JobStore, options: () => SimulatorOptions): UploadDatabase {
  return {
    hasDirectory: (directory) => store.hasDirectory(directory),
    otherFileSize: (directory, name) => store.fileSize(directory, name),
    uploads: store.uploads,
    get switches() {
      return options().restore;
    },
  };
}

/** Runs the script of a request as `caller`: 200 with one item per statement once it ran. */
export async function restSql(
  exchange: Exchange,
  caller: string,
  database: SqlDatabase,
  options: SimulatorOptions,
  answerLost: () => boolean = () => false,
  uploads?: UploadDatabase,
) {
  const type = String(exchange.req.headers['content-type'] ?? '').toLowerCase();
  let script = exchange.body;
  let binds: readonly RequestBind[] = [];
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(exchange.body);
    } catch {
      return exchange.fail(400, 'The request body is not valid JSON');
    }
    const text = (parsed as { statementText?: unknown } | null)?.statementText;
    if (typeof text !== 'string') return exchange.fail(400, 'statementText is required');
    script = text;
    const sent = (parsed as { binds?: unknown }).binds;
    if (Array.isArray(sent)) binds = sent.filter((bind) => typeof bind === 'object' && bind !== null);
  } else if (!type.startsWith('application/sql')) {
    return exchange.fail(
      415,
      `Content-Type ${type || 'none'} is not supported: use application/sql or application/json`,
    );
  }
  const [only, ...more] = splitScript(script);
  if (uploads && only && more.length === 0 && isUploadBlock(only.text)) {
    const done = await runUploadBlock(only.text, binds, uploads);
    if (done.lost || answerLost()) {
      exchange.record.fault = 'sql-answer-lost';
      return exchange.fail(504, 'Gateway Timeout: the statement ran but its answer was lost');
    }
    const base = {
      statementId: 1,
      statementType: done.rows ? 'query' : 'plsql',
      statementText: only.text,
      result: 0,
    };
    if (done.rows) {
      return exchange.json(200, {
        env: { defaultTimeZone: 'UTC' },
        items: [
          { ...base, response: [], resultSet: { items: done.rows, hasMore: false, count: done.rows.length } },
        ],
      });
    }
    return exchange.json(200, {
      env: { defaultTimeZone: 'UTC' },
      items: [
        done.error
          ? { ...base, errorCode: done.error.code, errorDetails: done.error.message }
          : {
              ...base,
              response: ['\nPL/SQL procedure successfully completed.\n\n'],
              binds: done.outBinds ?? binds,
            },
      ],
    });
  }
  const answer = runScript(script, caller, database, options.restSqlError, binds);
  if (answerLost()) {
    exchange.record.fault = 'sql-answer-lost';
    return exchange.fail(504, 'Gateway Timeout: the statement ran but its answer was lost');
  }
  exchange.json(200, answer);
}
