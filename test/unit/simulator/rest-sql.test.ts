import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryCheckSql } from '../../../functions/core/doctor/doctor-ords.js';
import { type OrdsSimulator, splitScript, startOrdsSimulator } from '../../../simulator/index.js';
import { call, pollUntilFinished, postExport } from './http.js';

const TEMPLATE = 'ORDERS-20261201T020000Z-1A2B-%U.DMP';
const DUMP = 'ORDERS-20261201T020000Z-1A2B-01.DMP';
const LOG = 'ORDERS-20261201T020000Z-1A2B.LOG';
const remove = (name: string) => `BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${name}'); END;\n/`;

let sim: OrdsSimulator;
let jobUrl: string;
let jobName: string;

/** `POST …/_/sql` with the script as statementText. */
function runSql(script: string, auth?: string) {
  return call(`${sim.url}_/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statementText: script }),
    ...(auth ? { auth } : {}),
  });
}

type Items = { items: Array<{ errorCode?: number; errorDetails?: string; statementText: string }> };

beforeEach(async () => {
  sim = await startOrdsSimulator({ dumpFiles: 1 });
  jobUrl = (await postExport(sim, { file_name: TEMPLATE })).headers.location as string;
  await pollUntilFinished(jobUrl);
  jobName = sim.jobs()[0]!.jobName;
});

afterEach(async () => {
  await sim.stop();
});

describe('REST-enabled SQL', () => {
  it('removes a file by name: the statement succeeds and its download then answers 404', async () => {
    // GIVEN a finished export WHEN its dump file is removed
    const answer = await runSql(remove(DUMP));

    // THEN the answer is 200 without an error, and the file is gone while the log stays
    expect(answer.status).toBe(200);
    expect(answer.json<Items>().items).toEqual([
      expect.not.objectContaining({ errorCode: expect.anything() }),
    ]);
    expect((await call(`${jobUrl}${DUMP}`)).status).toBe(404);
    expect((await call(`${jobUrl}${LOG}`)).status).toBe(200);
  });

  it('answers ORA-29283 inside a 200 for a file that does not exist', async () => {
    const answer = await runSql(remove('ORDERS-20261201T020000Z-1A2B-02.DMP'));

    expect(answer.status).toBe(200);
    expect(answer.json<Items>().items[0]).toMatchObject({ errorCode: 29283 });
    expect(answer.json<Items>().items[0]!.errorDetails).toMatch(/^ORA-29283:/);
  });

  it('answers ORA-20025 to DBMS_CLOUD.DELETE_FILE of a missing file, as Autonomous Database does', async () => {
    const deleteFile = (name: string) =>
      `BEGIN DBMS_CLOUD.DELETE_FILE(directory_name => 'DATA_PUMP_DIR', file_name => '${name}'); END;\n/`;
    // GIVEN a dump file removed once
    expect((await runSql(deleteFile(DUMP))).json<Items>().items[0]).not.toHaveProperty('errorCode');

    // WHEN it is removed again
    const answer = await runSql(deleteFile(DUMP));

    // THEN the statement fails with ORA-20025 (not UTL_FILE's ORA-29283)
    expect(answer.json<Items>().items[0]).toMatchObject({ errorCode: 20025 });
    expect(answer.json<Items>().items[0]!.errorDetails).toMatch(/^ORA-20025:/);
  });

  it("drops a finished job's control table: the job then answers 404 and leaves the job list", async () => {
    const answer = await runSql(`DROP TABLE "DBAPI_USER"."${jobName}" PURGE;`);

    expect(answer.json<Items>().items[0]).not.toHaveProperty('errorCode');
    expect((await call(jobUrl)).status).toBe(404);
    expect(sim.jobs()[0]!.dropped).toBe(true);
  });

  it('answers ORA-00942 for a control table that does not exist, one item per statement', async () => {
    const answer = await runSql(`${remove(LOG)}\nDROP TABLE "DBAPI_USER"."NO_SUCH_JOB" PURGE;`);

    const items = answer.json<Items>().items;
    expect(items).toHaveLength(2);
    expect(items[0]).not.toHaveProperty('errorCode');
    expect(items[1]).toMatchObject({
      errorCode: 942,
      errorDetails: 'ORA-00942: table or view does not exist',
    });
  });

  it("runs the doctor's directory check: silent for a known directory, ORA-20001 for another", async () => {
    // GIVEN the simulator's one directory, DATA_PUMP_DIR / WHEN both are checked in one script
    const answer = await runSql(
      `${directoryCheckSql('DATA_PUMP_DIR')}\n/\n${directoryCheckSql('BACKUP_DIR')}\n/`,
    );

    // THEN the first passes and the second raises the check's own error
    const [known, unknown] = answer.json<Items>().items;
    expect(known).not.toHaveProperty('errorCode');
    expect(unknown).toMatchObject({ errorCode: 20001 });
    expect(unknown!.errorDetails).toMatch(/^ORA-20001: directory BACKUP_DIR is not visible to this user/);
  });

  it('answers ORA-00900 for any other statement', async () => {
    const answer = await runSql('DROP USER HR CASCADE;');

    expect(answer.json<Items>().items[0]).toMatchObject({ errorCode: 900 });
    expect(sim.jobs()[0]!.dropped).toBe(false);
  });

  it('answers an injected error for every statement of its kind, as a missing grant does', async () => {
    sim.configure({
      restSqlError: { statement: 'remove-file', code: 29289, message: 'ORA-29289: directory access denied' },
    });

    const answer = await runSql(remove(DUMP));

    expect(answer.json<Items>().items[0]).toMatchObject({ errorCode: 29289 });
    expect((await call(`${jobUrl}${DUMP}`)).status).toBe(200);
  });

  it('answers 404 when switched off, as ORDS does with restEnabledSql.active false', async () => {
    sim.configure({ restSql: false });

    const answer = await runSql(remove(DUMP));

    expect(answer.status).toBe(404);
    expect((await call(`${jobUrl}${DUMP}`)).status).toBe(200);
  });

  it('fails with 401 without credentials', async () => {
    const answer = await call(`${sim.url}_/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/sql' },
      body: remove(DUMP),
      auth: null,
    });

    expect(answer.status).toBe(401);
  });

  it('splits a script into PL/SQL blocks ended by a slash line and SQL statements ended by a semicolon', () => {
    const script = `${remove(DUMP)}\n${remove(LOG)}\nDROP TABLE "A"."B" PURGE;`;

    expect(splitScript(script).map((statement) => [statement.text, statement.startLine])).toEqual([
      [`BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${DUMP}'); END;`, 1],
      [`BEGIN UTL_FILE.FREMOVE('DATA_PUMP_DIR', '${LOG}'); END;`, 3],
      ['DROP TABLE "A"."B" PURGE', 5],
    ]);
  });
});
