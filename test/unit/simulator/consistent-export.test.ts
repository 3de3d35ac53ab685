import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConsistentExportRequest,
  consistentExportPlan,
  consistentJobName,
  ExportSpecSchema,
  parseConsistentStartAnswer,
  parsePollAnswer,
  pollRequest,
  readConsistentLog,
  type ScnSource,
} from '../../../functions/core/export/index.js';
import { sqlScript } from '../../../functions/core/ords/rest-sql.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { call, datapump, pollUntilFinished, postExport } from './http.js';

const RUN = 'arn:aws:states:eu-west-1:123456789012:execution:Backup:run-1';
const JOB = consistentJobName(RUN);
const LOG = `${JOB}.LOG`;

let sim: OrdsSimulator;

afterEach(async () => {
  await sim.stop();
});

function plan(scnSource: ScnSource = 'TIMESTAMP_TO_SCN(SYSTIMESTAMP)') {
  return consistentExportPlan({
    runId: RUN,
    jobName: JOB,
    spec: ExportSpecSchema.parse({ schemas: ['HR'] }),
    dumpFileTemplate: `${JOB}-%U.DMP`,
    logFileName: LOG,
    scnSource,
  });
}

/** `POST …/_/sql` with a JSON body of statementText (framed as the client frames scripts) and binds. */
function runSql(request: ConsistentExportRequest | { statementText: string; binds: readonly unknown[] }) {
  return call(`${sim.url}_/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statementText: sqlScript([request.statementText]), binds: request.binds }),
  });
}

async function pollSql() {
  return parsePollAnswer((await runSql(pollRequest(JOB))).json(), JOB);
}

async function pollToEnd() {
  for (let poll = 0; poll < 10; poll += 1) {
    const state = await pollSql();
    if (state.finished) return state;
  }
  throw new Error('the job did not finish in 10 polls');
}

const fileUrl = (name: string) => `${datapump(sim)}jobs/DBAPI_USER,${JOB}/${name}`;

describe('the consistent export block through REST-enabled SQL', () => {
  it('starts a job of the chosen name, owned by the REST user, and returns the SCN in the OUT bind', async () => {
    sim = await startOrdsSimulator({ dumpFiles: 3 });

    const answer = await runSql(plan().request);

    expect(answer.status).toBe(200);
    const started = parseConsistentStartAnswer(answer.json(), JOB);
    expect(started.kind).toBe('started');
    expect(sim.jobs()).toHaveLength(1);
    expect(sim.jobs()[0]).toMatchObject({ owner: 'DBAPI_USER', jobName: JOB, keepMaster: true });
    expect(sim.jobs()[0]?.files.map((file) => file.name)).toEqual([
      `${JOB}-01.DMP`,
      `${JOB}-02.DMP`,
      `${JOB}-03.DMP`,
      LOG,
    ]);
  });

  it('runs the job through its states, polled in USER_DATAPUMP_JOBS, to NOT RUNNING', async () => {
    sim = await startOrdsSimulator({ pollsPerState: 1 });
    parseConsistentStartAnswer((await runSql(plan().request)).json(), JOB);

    const first = await pollSql();
    const last = await pollToEnd();

    expect(first).toMatchObject({ state: 'EXECUTING', finished: false });
    expect(last).toMatchObject({ state: 'NOT RUNNING', finished: true, datapumpSessions: 0 });
  });

  it('answers no row for a job the user does not have', async () => {
    sim = await startOrdsSimulator({});
    expect(await pollSql()).toEqual({ state: null, finished: true, datapumpSessions: null });
  });

  it('writes a log with the marker line, LOGTIME timestamps and the %U dump files, which proves the SCN', async () => {
    sim = await startOrdsSimulator({ dumpFiles: 2 });
    const started = parseConsistentStartAnswer((await runSql(plan().request)).json(), JOB);
    if (started.kind !== 'started') throw new Error('not started');
    await pollToEnd();

    const log = await call(fileUrl(LOG));

    expect(log.status).toBe(200);
    expect(log.text.split('\n')[0]).toMatch(
      new RegExp(
        `^\\d{2}-[A-Z]{3}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}: ords-datapump-backup run=${RUN} FLASHBACK_SCN=${started.scn}$`,
      ),
    );
    const evidence = readConsistentLog(
      log.text,
      { owner: 'DBAPI_USER', jobName: JOB },
      { runId: RUN, scn: started.scn },
    );
    expect(evidence).toMatchObject({ verdict: 'succeeded', reason: null, markerScn: started.scn });
    expect(evidence.log.dumpFiles).toEqual([`${JOB}-01.DMP`, `${JOB}-02.DMP`]);
    expect(log.text).not.toMatch(/^Export: Release/m);
    expect(
      log.text
        .trimEnd()
        .split('\n')
        .every((line) => /^\d{2}-[A-Z]{3}-\d{2} [\d:.]+: /.test(line)),
    ).toBe(true);
    expect((await call(fileUrl(`${JOB}-02.DMP`))).status).toBe(200);
  });

  it('answers ORA-31634 to a second block with the same name, and exactly one job exists', async () => {
    sim = await startOrdsSimulator({});
    const first = parseConsistentStartAnswer((await runSql(plan().request)).json(), JOB);

    const again = await runSql(plan().request);

    expect(first.kind).toBe('started');
    expect(again.json<{ items: Array<{ errorCode: number }> }>().items[0]?.errorCode).toBe(20001);
    expect(parseConsistentStartAnswer(again.json(), JOB).kind).toBe('exists');
    expect(sim.jobs()).toHaveLength(1);
  });

  it('refuses the files of a SQL-made job when servesSqlJobFiles is off, and still serves ORDS-made jobs', async () => {
    sim = await startOrdsSimulator({ servesSqlJobFiles: false });
    parseConsistentStartAnswer((await runSql(plan().request)).json(), JOB);
    await pollToEnd();
    const ordsJob = (await postExport(sim, { file_name: 'ORDERS-%U.DMP' })).headers.location as string;
    await pollUntilFinished(ordsJob);

    expect((await call(fileUrl(LOG))).status).toBe(404);
    expect((await call(`${ordsJob}ORDERS.LOG`)).status).toBe(200);
  });

  it('hits ORA-01555 in the middle of the export when sqlExportUndoError is on: the verdict fails naming undo', async () => {
    sim = await startOrdsSimulator({ sqlExportUndoError: true });
    const started = parseConsistentStartAnswer((await runSql(plan().request)).json(), JOB);
    if (started.kind !== 'started') throw new Error('not started');
    await pollToEnd();

    const log = await call(fileUrl(LOG));
    const evidence = readConsistentLog(
      log.text,
      { owner: 'DBAPI_USER', jobName: JOB },
      { runId: RUN, scn: started.scn },
    );

    expect(evidence.log.verdict).toBe('completed-with-errors');
    expect(evidence.verdict).toBe('failed');
    expect(evidence.reason).toMatch(/ORA-01555.*UNDO_RETENTION/s);
  });
});

describe('the consistent export block, refused', () => {
  it('fails with PLS-00201 when it reads the SCN from DBMS_FLASHBACK without the grant', async () => {
    sim = await startOrdsSimulator({});
    const answer = await runSql(plan('DBMS_FLASHBACK').request);
    expect(answer.json<{ items: Array<{ errorDetails: string }> }>().items[0]?.errorDetails).toMatch(
      /PLS-00201/,
    );
    expect(sim.jobs()).toHaveLength(0);
  });

  it('reads the SCN with DBMS_FLASHBACK when flashbackGranted is on', async () => {
    sim = await startOrdsSimulator({ flashbackGranted: true });
    expect(parseConsistentStartAnswer((await runSql(plan('DBMS_FLASHBACK').request)).json(), JOB).kind).toBe(
      'started',
    );
  });

  it('fails with ORA-06502 for a schema bind with a quote (DBMS_ASSERT.ENQUOTE_LITERAL)', async () => {
    sim = await startOrdsSimulator({});
    const { request } = plan();
    const binds = request.binds.map((bind) =>
      bind.name === 'schema1' ? { ...bind, value: "HR' OR '1'='1" } : bind,
    );
    const answer = await runSql({ statementText: request.statementText, binds });
    expect(() => parseConsistentStartAnswer(answer.json(), JOB)).toThrow(/ORA-06502/);
    expect(sim.jobs()).toHaveLength(0);
  });

  it('fails with ORA-01008 when a bind the block uses is missing', async () => {
    sim = await startOrdsSimulator({});
    const { request } = plan();
    const answer = await runSql({
      statementText: request.statementText,
      binds: request.binds.filter((b) => b.name !== 'run'),
    });
    expect(() => parseConsistentStartAnswer(answer.json(), JOB)).toThrow(/ORA-01008/);
  });

  it('fails for a block with & in it, which SQLcl would read as a substitution variable', async () => {
    sim = await startOrdsSimulator({});
    const { request } = plan();
    const answer = await runSql({
      statementText: request.statementText.replace('DECLARE', 'DECLARE -- &x'),
      binds: request.binds,
    });
    expect(() => parseConsistentStartAnswer(answer.json(), JOB)).toThrow(/ORA-00900/);
  });

  it('fails for a DBMS_DATAPUMP block that is not the documented one', async () => {
    sim = await startOrdsSimulator({});
    const { request } = plan();
    const answer = await runSql({
      statementText: request.statementText.replace(/.*KEEP_MASTER.*\n/, ''),
      binds: request.binds,
    });
    expect(() => parseConsistentStartAnswer(answer.json(), JOB)).toThrow(/ORA-06550/);
    expect(sim.jobs()).toHaveLength(0);
  });

  it('fails with ORA-39002 for a directory the user may not use', async () => {
    sim = await startOrdsSimulator({ directories: ['OTHER_DIR'] });
    expect(() => parseConsistentStartAnswer({}, JOB)).toThrow(/items list/);
    const answer = await runSql(plan().request);
    expect(() => parseConsistentStartAnswer(answer.json(), JOB)).toThrow(/ORA-39002/);
  });
});
