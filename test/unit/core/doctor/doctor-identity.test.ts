import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DoctorDeps, type DoctorReport, runDoctor } from '../../../../functions/core/doctor/doctor.js';
import { identityQuery } from '../../../../functions/core/drill/index.js';
import { connectOrds } from '../../../../functions/core/ords/ords-connection.js';
import { type DatabaseBindingInput, DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../../simulator/index.js';
import { testBinding } from '../../../helpers/bindings.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const BASIC = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });
const DRILL = {
  restoreDrill: {
    schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
    targetSchema: 'HR_DRILL',
    schema: 'HR',
  },
};

let sim: OrdsSimulator;

beforeEach(async () => {
  sim = await startOrdsSimulator();
});

afterEach(async () => {
  await sim.stop();
});

/** The doctor's dependencies against the simulator, with the real ORDS connection. */
function deps(overrides: Partial<DatabaseBindingInput> = {}): DoctorDeps {
  return {
    binding: async (database) =>
      DatabaseBindingSchema.parse(testBinding({ database, ordsUrl: sim.url, ...overrides })),
    knownDatabases: async () => ['orders'],
    bindingPath: '/test/databases',
    secretString: async () => BASIC,
    connect: (binding, parsed) =>
      connectOrds({ baseUrl: binding.ordsUrl, secret: parsed, secretId: binding.secretId }),
    logger: recordingLogger(),
  };
}

function identity(report: DoctorReport) {
  const found = report.checks.find((entry) => entry.name === 'Drill identity');
  if (!found) throw new Error(`no check "Drill identity" in ${JSON.stringify(report)}`);
  return found;
}

describe('the doctor runs the identity query of the drill', () => {
  it('reports the user REST-enabled SQL runs as and the database clock offset, with the drill query itself', async () => {
    // GIVEN a database whose host clock is at +09:00
    sim.configure({ databaseTimeZone: '+09:00' });

    // WHEN the doctor checks a database with a restore drill
    const report = await runDoctor(deps(DRILL), 'orders');

    // THEN the check names the user and the offset, and it sent the drill's own query
    expect(identity(report)).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(
        /runs as DBAPI_USER \(SELECT USER\).*owned by DBAPI_USER.*at UTC offset \+09:00 .*Drill schema HR_DRILL does not exist/,
      ),
    });
    const sent = sim.requests.map((request) => request.body ?? '');
    expect(sent.some((body) => body.includes(JSON.stringify(identityQuery(['HR_DRILL'])).slice(1, -1)))).toBe(
      true,
    );
    expect(report.ok).toBe(true);
  });

  it('fails when REST-enabled SQL refuses the identity query, naming the error and the query to run', async () => {
    // GIVEN a database that refuses the drill's identity query (the drill schema query still answers)
    sim.configure({
      restSqlError: { statement: 'identity', code: 1031, message: 'ORA-01031: insufficient privileges' },
    });

    const report = await runDoctor(deps(DRILL), 'orders');

    expect(identity(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(
        /did not answer the drill's identity query: .*ORA-01031: insufficient privileges.*would fail the same way/,
      ),
      fix: expect.stringContaining(identityQuery(['HR_DRILL'])),
    });
    expect(report.checks.find((entry) => entry.name === 'Restore drill schema')?.status).toBe('ok');
    expect(report.ok).toBe(false);
  });

  it('fails when REST-enabled SQL is disabled on a database with a drill, even with the server cleanup off', async () => {
    // GIVEN REST-enabled SQL off: the backups do not need it without a server cleanup, the drill does
    sim.configure({ restSql: false });

    const report = await runDoctor(deps({ ...DRILL, serverCleanup: 'off' }), 'orders');

    expect(report.checks.find((entry) => entry.name === 'REST-enabled SQL')?.status).toBe('skipped');
    expect(identity(report)).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(
        /answered 404: REST-enabled SQL is disabled.*every drill of this database fails/,
      ),
      fix: expect.stringContaining('restEnabledSql.active=true'),
    });
    expect(report.ok).toBe(false);
  });

  it('is skipped without a drill, and when the REST-enabled SQL check failed already', async () => {
    expect(identity(await runDoctor(deps(), 'orders'))).toMatchObject({
      status: 'skipped',
      detail: 'no restore drill is configured for this database',
    });

    sim.configure({ restSql: false });
    const report = await runDoctor(deps({ ...DRILL, serverCleanup: 'files-and-control-table' }), 'orders');

    expect(report.checks.find((entry) => entry.name === 'REST-enabled SQL')?.status).toBe('failed');
    expect(identity(report)).toMatchObject({
      status: 'skipped',
      detail: 'the drill identity is read through REST-enabled SQL, which failed above',
    });
  });
});
