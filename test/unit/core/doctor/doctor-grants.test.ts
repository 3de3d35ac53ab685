import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DoctorDeps, type DoctorReport, runDoctor } from '../../../../functions/core/doctor/doctor.js';
import { connectOrds } from '../../../../functions/core/ords/ords-connection.js';
import { type DatabaseBindingInput, DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../../simulator/index.js';
import { testBinding } from '../../../helpers/bindings.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const BASIC = JSON.stringify({ username: 'DBAPI_USER', password: 'secret-password' });
const OAUTH = JSON.stringify({ clientId: 'backup-client', clientSecret: 'backup-client-secret' });
const DRILL = {
  schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
  targetSchema: 'HR_DRILL',
  schema: 'HR',
};
const ALL_ROLES = ['DATAPUMP_EXP_FULL_DATABASE', 'DATAPUMP_IMP_FULL_DATABASE'];
const ALL_PRIVILEGES = ['CREATE SESSION', 'CREATE TABLE', 'CREATE USER', 'DROP USER'];

let sim: OrdsSimulator;
beforeEach(async () => {
  sim = await startOrdsSimulator();
});
afterEach(async () => {
  await sim.stop();
});

function deps(overrides: Partial<DatabaseBindingInput> = {}, secret = BASIC): DoctorDeps {
  return {
    binding: async (database) =>
      DatabaseBindingSchema.parse(testBinding({ database, ordsUrl: sim.url, ...overrides })),
    knownDatabases: async () => ['orders'],
    bindingPath: '/test/databases',
    secretString: async () => secret,
    connect: (binding, parsed) =>
      connectOrds({ baseUrl: binding.ordsUrl, secret: parsed, secretId: binding.secretId }),
    logger: recordingLogger(),
  };
}

function check(report: DoctorReport, name: string) {
  const found = report.checks.find((entry) => entry.name === name);
  if (!found) throw new Error(`no check "${name}" in ${JSON.stringify(report)}`);
  return found;
}

/** Advice no DBA can carry out: an ORDS role granted to a database user. */
const IMPOSSIBLE =
  /(grant|to) DBAPI_USER\b[^.;]*"SQL (Administrator|Developer)"|"SQL (Administrator|Developer)"[^.;]* to DBAPI_USER/i;

describe('the doctor and the database grants', () => {
  it('reads a job list that answers 500 as a missing privilege on DBA_DATAPUMP_JOBS, with the statement', async () => {
    // GIVEN a user whose session holds no role that reads DBA_DATAPUMP_JOBS
    sim.configure({ sessionRoles: [] });

    const report = await runDoctor(deps(), 'orders');

    // THEN the job list check names the view and the GRANT, and the grants check agrees
    expect(check(report, 'Data Pump jobs')).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining('GRANT SELECT ON SYS.DBA_DATAPUMP_JOBS TO DBAPI_USER;'),
    });
    expect(check(report, 'Data Pump jobs').fix).not.toMatch(/ORDS answered 503|Run the doctor again/);
    expect(check(report, 'Database grants')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('DBA_DATAPUMP_JOBS'),
      fix: expect.stringContaining('GRANT SELECT ON SYS.DBA_DATAPUMP_JOBS TO DBAPI_USER;'),
    });
  });

  it.each([
    [
      'CREATE TABLE',
      { sessionPrivileges: ['CREATE SESSION', 'CREATE USER', 'DROP USER'] },
      'GRANT CREATE TABLE TO DBAPI_USER;',
    ],
    [
      'DROP USER',
      { sessionPrivileges: ['CREATE SESSION', 'CREATE TABLE', 'CREATE USER'] },
      'GRANT DROP USER TO DBAPI_USER;',
    ],
    [
      'DATAPUMP_EXP_FULL_DATABASE',
      { sessionRoles: ['SELECT_CATALOG_ROLE', 'DATAPUMP_IMP_FULL_DATABASE'] },
      'GRANT DATAPUMP_EXP_FULL_DATABASE TO DBAPI_USER;',
    ],
    [
      'DATAPUMP_IMP_FULL_DATABASE',
      { sessionRoles: ['DATAPUMP_EXP_FULL_DATABASE'] },
      'GRANT DATAPUMP_IMP_FULL_DATABASE TO DBAPI_USER;',
    ],
  ])(
    'names a missing %s of a drilling database and gives the statement to run',
    async (_grant, grants, statement) => {
      sim.configure(grants);

      const report = await runDoctor(deps({ restoreDrill: DRILL }), 'orders');

      expect(check(report, 'Database grants')).toMatchObject({
        status: 'failed',
        fix: expect.stringContaining(statement),
      });
      expect(report.ok).toBe(false);
    },
  );

  it('asks for DATAPUMP_EXP_FULL_DATABASE for a FULL export, and not for an export of the own schema', async () => {
    sim.configure({ sessionRoles: ['SELECT_CATALOG_ROLE'] });

    const full = await runDoctor(deps({ export: { jobMode: 'FULL' } }), 'orders');
    const own = await runDoctor(deps({ export: { jobMode: 'SCHEMA', schemas: ['DBAPI_USER'] } }), 'orders');

    expect(check(full, 'Database grants').fix).toContain('GRANT DATAPUMP_EXP_FULL_DATABASE TO DBAPI_USER;');
    expect(check(own, 'Database grants').status).toBe('ok');
  });

  it('names the OAuth2 client’s database user, learned in the database, in the statements', async () => {
    sim.configure({ sessionPrivileges: ['CREATE SESSION'] });

    const report = await runDoctor(deps({}, OAUTH), 'orders');

    expect(check(report, 'Database grants').fix).toContain('GRANT CREATE TABLE TO DBAPI_USER;');
  });

  it('skips the grants check when REST-enabled SQL is off, and still reads the 500 of the job list', async () => {
    sim.configure({ restSql: false, sessionRoles: [] });

    const report = await runDoctor(deps({ serverCleanup: 'off' }), 'orders');

    expect(check(report, 'Database grants').status).toBe('skipped');
    expect(check(report, 'Data Pump jobs').fix).toContain('DBA_DATAPUMP_JOBS');
  });

  it('tells an OAuth2 client without the role the exact OAUTH.GRANT_CLIENT_ROLE to run', async () => {
    sim.configure({ forbiddenUsers: ['backup-client'] });

    const report = await runDoctor(deps({}, OAUTH), 'orders');

    expect(check(report, 'Authentication')).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining(
        "OAUTH.GRANT_CLIENT_ROLE(p_client_name => 'backup-client', p_role_name => 'SQL Developer')",
      ),
    });
  });

  it('never advises granting an ORDS role to a database user, whatever is missing', async () => {
    const variants = [
      { forbiddenUsers: ['DBAPI_USER'] },
      { sessionRoles: [] },
      { sessionRoles: [], sessionPrivileges: [] },
      { restSql: false },
    ];
    for (const variant of variants) {
      sim.configure({
        forbiddenUsers: [],
        sessionRoles: ALL_ROLES,
        sessionPrivileges: ALL_PRIVILEGES,
        restSql: true,
      });
      sim.configure(variant);
      const report = await runDoctor(deps({ restoreDrill: DRILL }), 'orders');
      const fixes = report.checks.flatMap((entry) => (entry.fix ? [entry.fix] : []));
      expect(fixes.length, JSON.stringify(variant)).toBeGreaterThan(0);
      for (const fix of fixes) expect(fix, JSON.stringify(variant)).not.toMatch(IMPOSSIBLE);
    }
  });
});

describe('the doctor against each ORDS variant of docs/ords-support.md', () => {
  it.each([
    ['an ORDS that refuses keep_master (400)', { refuseKeepMaster: true }],
    ['an ORDS before 22.3 that ignores file_name', { ignoreFileName: true }],
    ['an ORDS that ignores keep_master', { ignoreKeepMaster: true }],
    ['an ORDS that links no log for imports', { importLogLink: false }],
    [
      'an ORDS that ignores offset on the job list',
      { ignoreOffset: true, pageLimit: 2, listNoise: { orphanJobs: 3 } },
    ],
    ['an ORDS that sends downloads chunked and ignores Range', { contentLength: false, range: false }],
  ])(
    'passes every check against %s: none of it is a prerequisite the user can fix',
    async (_variant, options) => {
      sim.configure(options);

      const report = await runDoctor(deps({ restoreDrill: DRILL }), 'orders');

      expect(report.checks.filter((entry) => entry.status === 'failed')).toEqual([]);
      expect(report.ok).toBe(true);
    },
  );

  it('passes against Autonomous Database settings (DBMS_CLOUD removal)', async () => {
    const report = await runDoctor(deps({ autonomousDatabase: true }), 'orders');

    expect(report.ok).toBe(true);
  });
});
