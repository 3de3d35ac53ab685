import { describe, expect, it } from 'vitest';
import { readConsistentLog } from '../../../../functions/core/export/index.js';

const JOB = 'ODBK_ABCDEFGHIJKLMNOPQRSTUVWXY';
const ID = { owner: 'DBAPI_USER', jobName: JOB };
const RUN = 'arn:aws:states:eu-west-1:123456789012:execution:Backup:run-1';
const SCN = '48213377';
const T = (time: string) => `07-DEC-26 ${time}: `;

function log(...middle: string[]): string {
  return [
    `${T('02:00:01.101')}ords-datapump-backup run=${RUN} FLASHBACK_SCN=${SCN}`,
    `${T('02:00:01.250')}Starting "DBAPI_USER"."${JOB}":`,
    `${T('02:00:02.010')}W-1 Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA`,
    `${T('02:00:04.870')}W-1 . . exported "HR"."EMPLOYEES"   17.08 KB   107 rows in 0 seconds using direct_path`,
    ...middle,
    `${T('02:00:05.002')}W-1 Master table "DBAPI_USER"."${JOB}" successfully loaded/unloaded`,
    `${T('02:00:05.003')}******************************************************************************`,
    `${T('02:00:05.004')}Dump file set for DBAPI_USER.${JOB} is:`,
    `${T('02:00:05.005')}  /u01/app/oracle/admin/dpdump/${JOB}-01.DMP`,
    `${T('02:00:05.006')}  /u01/app/oracle/admin/dpdump/${JOB}-02.DMP`,
  ].join('\r\n');
}
const ok = `${T('02:00:05.100')}Job "DBAPI_USER"."${JOB}" successfully completed at Mon Dec 7 02:00:05 2026 elapsed 0 00:00:04`;
const withErrors = `${T('02:00:05.100')}Job "DBAPI_USER"."${JOB}" completed with 1 error(s) at Mon Dec 7 02:00:05 2026 elapsed 0 00:00:04`;

describe('readConsistentLog', () => {
  it('reads a LOGTIME log: verdict, dump files and the marker with the SCN', () => {
    const evidence = readConsistentLog(`${log()}\r\n${ok}`, ID, { runId: RUN, scn: SCN });
    expect(evidence.verdict).toBe('succeeded');
    expect(evidence.reason).toBeNull();
    expect(evidence.markerLine).toBe(`ords-datapump-backup run=${RUN} FLASHBACK_SCN=${SCN}`);
    expect(evidence.markerScn).toBe(SCN);
    expect(evidence.log.dumpFiles).toEqual([`${JOB}-01.DMP`, `${JOB}-02.DMP`]);
  });

  it('has no verdict while the job runs, even before the marker is found', () => {
    const evidence = readConsistentLog(log(), ID, { runId: RUN, scn: SCN });
    expect(evidence.verdict).toBeNull();
    expect(evidence.reason).toBeNull();
  });

  it('fails a log that completed with ORA-01555 errors, naming undo and UNDO_RETENTION', () => {
    const text = `${log(
      `${T('02:00:04.900')}W-1 ORA-31693: Table data object "HR"."ORDERS" failed to load/unload and is being skipped due to error:`,
      `${T('02:00:04.901')}ORA-02354: error in exporting/importing data`,
      `${T('02:00:04.902')}ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9_1$" too small`,
    )}\r\n${withErrors}`;
    const evidence = readConsistentLog(text, ID, { runId: RUN, scn: SCN });
    expect(evidence.log.verdict).toBe('completed-with-errors');
    expect(evidence.verdict).toBe('failed');
    expect(evidence.reason).toMatch(/ORA-01555/);
    expect(evidence.reason).toMatch(/undo/);
    expect(evidence.reason).toMatch(/UNDO_RETENTION/);
    expect(evidence.holeLines).toHaveLength(2);
  });

  it('fails a log with ORA-01466 after DDL on a table', () => {
    const text = `${log(`${T('02:00:04.950')}ORA-01466: unable to read data - table definition has changed`)}\r\n${withErrors}`;
    const evidence = readConsistentLog(text, ID, { runId: RUN, scn: SCN });
    expect(evidence.verdict).toBe('failed');
    expect(evidence.reason).toMatch(/ORA-01466.*DDL/s);
  });

  it('does not mistake a longer error number for ORA-01555', () => {
    const text = `${log(`${T('02:00:04.950')}ORA-015559: not an undo error`)}\r\n${ok}`;
    expect(readConsistentLog(text, ID, { runId: RUN, scn: SCN }).verdict).toBe('succeeded');
  });

  it('fails a finished log without the marker line', () => {
    const text = `${log().split('\r\n').slice(1).join('\n')}\n${ok}`;
    const evidence = readConsistentLog(text, ID, { runId: RUN, scn: SCN });
    expect(evidence.verdict).toBe('failed');
    expect(evidence.reason).toMatch(/nothing in it proves/);
  });

  it('fails a finished log whose marker names another SCN', () => {
    const evidence = readConsistentLog(`${log()}\n${ok}`, ID, { runId: RUN, scn: '48213378' });
    expect(evidence.verdict).toBe('failed');
    expect(evidence.reason).toMatch(/FLASHBACK_SCN=48213377.*48213378/);
  });

  it('ignores a marker line of another run', () => {
    const evidence = readConsistentLog(`${log()}\n${ok}`, ID, { runId: `${RUN}-other`, scn: SCN });
    expect(evidence.markerLine).toBeNull();
    expect(evidence.verdict).toBe('failed');
  });
});
