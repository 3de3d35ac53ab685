import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnknownDatabaseError } from '../../../../functions/core/base/errors.js';
import { type DoctorDeps, type DoctorReport, runDoctor } from '../../../../functions/core/doctor/doctor.js';
import { directoryCheckSql } from '../../../../functions/core/doctor/doctor-ords.js';
import { connectOrds } from '../../../../functions/core/ords/ords-connection.js';
import { type DatabaseBindingInput, DatabaseBindingSchema } from '../../../../functions/core/run/binding.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../../simulator/index.js';
import { defaultRestoreSwitches } from '../../../../simulator/uploaded-files.js';
import { testBinding } from '../../../helpers/bindings.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

const PASSWORD = 'secret-password';
const BASIC = JSON.stringify({ username: 'DBAPI_USER', password: PASSWORD });

let sim: OrdsSimulator;
const servers: Server[] = [];

beforeEach(async () => {
  sim = await startOrdsSimulator();
});

afterEach(async () => {
  await sim.stop();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The doctor's dependencies against the simulator (or `ordsUrl`), with the real ORDS connection. */
function deps(
  overrides: Partial<DatabaseBindingInput> = {},
  secret: () => Promise<string | undefined> = async () => BASIC,
): DoctorDeps {
  return {
    binding: async (database) =>
      DatabaseBindingSchema.parse(testBinding({ database, ordsUrl: sim.url, ...overrides })),
    knownDatabases: async () => ['orders'],
    bindingPath: '/test/databases',
    secretString: secret,
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

const statuses = (report: DoctorReport) => report.checks.map((entry) => `${entry.name}: ${entry.status}`);

/** A server that answers every request with `status`, `type` and `body`. */
async function fakeServer(status: number, type: string, body: string): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ords/pdb1/dbapi_user/`;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('runDoctor against the ORDS simulator', () => {
  it('passes every check for a working database', async () => {
    // GIVEN the simulator with its default user and DATA_PUMP_DIR / WHEN the doctor runs
    const report = await runDoctor(deps(), 'orders');

    // THEN all seven checks pass, and the drill check is skipped: it has no drill
    expect(statuses(report)).toEqual([
      'Binding: ok',
      'Secret: ok',
      'ORDS answers: ok',
      'Authentication: ok',
      'Data Pump jobs: ok',
      'REST-enabled SQL: ok',
      'Data Pump directory: ok',
      'Restore drill schema: skipped',
      'Drill identity: skipped',
      'Database grants: ok',
      'Restore path: ok',
      'Undo retention: skipped',
      'Leftover probe jobs: ok',
      'Point-in-time probe: skipped',
      'Parallel degree: skipped',
    ]);
    expect(report.ok).toBe(true);
  });

  it('warns (fails the undo check) when the undo retention is shorter than the last export with margin', async () => {
    // GIVEN a point-in-time database whose last export ran 20 minutes, with UNDO_RETENTION 900 s
    const report = await runDoctor(
      { ...deps({ consistency: 'point-in-time' }), lastExportSeconds: async () => 1200 },
      'orders',
    );

    // THEN the undo check fails naming both times and the retention to ask the DBA for
    expect(check(report, 'Undo retention')).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/undo retention 900 s .* shorter than 1800 s, the last export's 1200 s/),
      fix: expect.stringContaining('UNDO_RETENTION = 1800'),
    });
    expect(report.ok).toBe(false);
  });

  it('passes the undo check when undo covers the last export, and skips it when V$ views are not readable', async () => {
    const covered = await runDoctor(
      { ...deps({ consistency: 'auto' }), lastExportSeconds: async () => 300 },
      'orders',
    );
    expect(check(covered, 'Undo retention').status).toBe('ok');

    sim.configure({ undoRetentionSeconds: null });
    const unknown = await runDoctor(
      { ...deps({ consistency: 'auto' }), lastExportSeconds: async () => 300 },
      'orders',
    );
    expect(check(unknown, 'Undo retention')).toMatchObject({
      status: 'skipped',
      detail: expect.stringContaining('SELECT_CATALOG_ROLE'),
    });
  });

  it('fails a parallel degree above 1 on the point-in-time path where V$VERSION names another edition', async () => {
    sim.configure({ edition: 'Standard Edition 2' });
    const parallel = {
      consistency: 'auto' as const,
      export: { jobMode: 'SCHEMA' as const, schemas: ['HR'], threads: 4 },
    };

    const report = await runDoctor(deps(parallel), 'orders');

    expect(check(report, 'Parallel degree')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('the database is Standard Edition 2'),
      fix: expect.stringContaining('export.threads to 1'),
    });
    sim.configure({ edition: 'Enterprise Edition' });
    expect(check(await runDoctor(deps(parallel), 'orders'), 'Parallel degree').status).toBe('ok');
  });

  it('fails on a wrong password, naming the user and the secret, and sends nothing after the 401', async () => {
    // GIVEN a secret whose password is wrong
    const wrong = JSON.stringify({ username: 'DBAPI_USER', password: 'not-the-password' });

    // WHEN the doctor runs
    const report = await runDoctor(
      deps({}, async () => wrong),
      'orders',
    );

    // THEN authentication fails with the user and the secret id, never the password
    const auth = check(report, 'Authentication');
    expect(auth.status).toBe('failed');
    expect(auth.detail).toMatch(/401 for user DBAPI_USER .*secret "prod\/ords\/orders" is wrong/);
    expect(auth.fix).toMatch(/password of database user DBAPI_USER into secret "prod\/ords\/orders"/);
    expect(JSON.stringify(report)).not.toContain('not-the-password');
    expect(statuses(report).slice(4)).toEqual([
      'Data Pump jobs: skipped',
      'REST-enabled SQL: skipped',
      'Data Pump directory: skipped',
      'Restore drill schema: skipped',
      'Drill identity: skipped',
      'Database grants: skipped',
      'Restore path: skipped',
      'Undo retention: skipped',
      'Leftover probe jobs: skipped',
      'Point-in-time probe: skipped',
      'Parallel degree: skipped',
    ]);
    // One anonymous request and one login: a second wrong login brings the account closer to locking.
    expect(sim.requests.filter((request) => request.headers.authorization !== undefined)).toHaveLength(1);
    expect(report.ok).toBe(false);
  });

  it('fails on a directory that does not exist, with the CREATE DIRECTORY and GRANT to run', async () => {
    // GIVEN a binding whose export writes to BACKUP_DIR, which the database does not have
    const report = await runDoctor(
      deps({ export: { schemas: ['HR'], datapumpDir: 'backup_dir' } }),
      'orders',
    );

    // THEN the directory check fails naming the directory and the user
    const directory = check(report, 'Data Pump directory');
    expect(directory).toMatchObject({
      status: 'failed',
      detail: 'directory BACKUP_DIR does not exist or user DBAPI_USER lacks READ/WRITE on it',
    });
    expect(directory.fix).toContain('CREATE DIRECTORY BACKUP_DIR AS');
    expect(directory.fix).toContain('GRANT READ, WRITE ON DIRECTORY BACKUP_DIR TO DBAPI_USER');
    expect(check(report, 'REST-enabled SQL').status).toBe('ok');
  });

  it('fails on a closed port as an unreachable host, naming host:port and the network to check', async () => {
    // GIVEN an ORDS URL whose port nothing listens on
    const port = await closedPort();
    const report = await runDoctor(
      deps({ ordsUrl: `http://127.0.0.1:${port}/ords/pdb1/dbapi_user/` }),
      'orders',
    );

    // THEN "ORDS answers" fails with the host and port, and the later checks are skipped
    const answers = check(report, 'ORDS answers');
    expect(answers.status).toBe('failed');
    expect(answers.detail).toMatch(
      new RegExp(`^unreachable host 127\\.0\\.0\\.1:${port}: the connection was refused`),
    );
    expect(answers.fix).toMatch(/security group or firewall/);
    expect(
      statuses(report)
        .slice(3)
        .every((line) => line.endsWith('skipped')),
    ).toBe(true);
  });

  it('fails with its own fix when REST-enabled SQL is disabled, and skips the directory with the reason', async () => {
    // GIVEN ORDS with restEnabledSql.active off (the service answers 404)
    sim.configure({ restSql: false });
    const report = await runDoctor(deps(), 'orders');

    // THEN REST-enabled SQL fails naming the setting; the directory is skipped, not reported missing
    expect(check(report, 'REST-enabled SQL')).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining('restEnabledSql.active=true'),
    });
    expect(check(report, 'Data Pump directory')).toMatchObject({
      status: 'skipped',
      detail: expect.stringContaining('REST-enabled SQL'),
    });
    expect(check(report, 'Data Pump jobs').status).toBe('ok');
  });

  it('does not count disabled REST-enabled SQL as a failure when server cleanup is off', async () => {
    sim.configure({ restSql: false });
    const report = await runDoctor(deps({ serverCleanup: 'off' }), 'orders');

    expect(check(report, 'REST-enabled SQL')).toMatchObject({ status: 'skipped' });
    expect(report.ok).toBe(true);
  });

  it('fails when an HTML page answers instead of ORDS, quoting its title', async () => {
    // GIVEN a web server that answers every URL with a login page
    const url = await fakeServer(
      200,
      'text/html',
      '<html><head><title>Sign in</title></head><body></body></html>',
    );
    const report = await runDoctor(deps({ ordsUrl: url }), 'orders');

    // THEN "ORDS answers" says it is not ORDS
    const answers = check(report, 'ORDS answers');
    expect(answers.status).toBe('failed');
    expect(answers.detail).toMatch(/answered 200 with an HTML page \("Sign in"\), not an ORDS JSON answer/);
    expect(answers.fix).toMatch(/Check the ORDS URL/);
  });

  it('gives wrong password, missing directory, unreachable host, disabled REST-enabled SQL and HTML five different fixes', async () => {
    const port = await closedPort();
    const html = await fakeServer(404, 'text/html', '<h1>Not Found</h1>');
    const wrong = JSON.stringify({ username: 'DBAPI_USER', password: 'x' });
    const failures = [
      await runDoctor(
        deps({}, async () => wrong),
        'orders',
      ),
      await runDoctor(deps({ export: { schemas: ['HR'], datapumpDir: 'NOPE' } }), 'orders'),
      await runDoctor(deps({ ordsUrl: `http://127.0.0.1:${port}/ords/pdb1/dbapi_user/` }), 'orders'),
      await runDoctor(deps({ ordsUrl: html }), 'orders'),
    ];
    sim.configure({ restSql: false });
    failures.push(await runDoctor(deps(), 'orders'));

    const fixes = failures.map((report) => report.checks.find((entry) => entry.status === 'failed')?.fix);
    expect(fixes.every((fix) => typeof fix === 'string' && fix.length > 20)).toBe(true);
    expect(new Set(fixes).size).toBe(5);
  });

  it('fails on a user without the ORDS role (403) with the role to grant', async () => {
    sim.configure({ forbiddenUsers: ['DBAPI_USER'] });
    const report = await runDoctor(deps(), 'orders');

    // THEN the fix is one a DBA can carry out: ORDS roles cannot be granted to a database user
    expect(check(report, 'Authentication')).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining('restEnabledSql.active true'),
    });
    expect(check(report, 'Authentication').fix).toContain(
      "ORDS_ADMIN.ENABLE_SCHEMA(p_enabled => TRUE, p_schema => 'DBAPI_USER')",
    );
    expect(check(report, 'Authentication').fix).not.toMatch(/grant DBAPI_USER the ORDS role/i);
  });

  it('fails on a schema alias ORDS does not serve as a Database API that is not enabled', async () => {
    // GIVEN an ORDS URL under the simulator but with another schema alias (ORDS answers 404 JSON)
    const report = await runDoctor(deps({ ordsUrl: `${sim.origin}/ords/pdb1/other_alias/` }), 'orders');

    expect(check(report, 'ORDS answers').status).toBe('ok');
    expect(check(report, 'Authentication').status).toBe('skipped');
    expect(check(report, 'Data Pump jobs')).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining('database.api.enabled=true'),
    });
  });

  it('authenticates with OAuth2 client credentials', async () => {
    const oauth = JSON.stringify({ clientId: 'backup-client', clientSecret: 'backup-client-secret' });
    const report = await runDoctor(
      deps({}, async () => oauth),
      'orders',
    );

    expect(report.ok).toBe(true);
    expect(check(report, 'Authentication').detail).toContain('OAuth client backup-client');
  });

  it('fails on a wrong OAuth2 client secret at the token endpoint, never quoting it', async () => {
    const oauth = JSON.stringify({ clientId: 'backup-client', clientSecret: 'wrong-client-secret' });
    const report = await runDoctor(
      deps({}, async () => oauth),
      'orders',
    );

    const auth = check(report, 'Authentication');
    expect(auth.detail).toMatch(
      /token endpoint POST .*oauth\/token refused OAuth client backup-client \(401\)/,
    );
    expect(auth.fix).toContain('OAUTH.CREATE_CLIENT');
    expect(JSON.stringify(report)).not.toContain('wrong-client-secret');
  });
});

describe('runDoctor before ORDS', () => {
  it('fails on an unknown database, naming the deployed ones, and skips the rest', async () => {
    const report = await runDoctor(
      {
        ...deps(),
        binding: async (database) => {
          throw new UnknownDatabaseError(`Database "${database}" is not configured in this deployment`);
        },
        knownDatabases: async () => ['orders', 'billing'],
      },
      'ordres',
    );

    expect(check(report, 'Binding')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('deployed: orders, billing'),
      fix: 'Use one of the deployed database ids (orders, billing), or add "ordres" to the configuration and deploy.',
    });
    expect(report.checks.slice(1).every((entry) => entry.status === 'skipped')).toBe(true);
  });

  it('tells a missing secret, a denied read and a KMS refusal apart', async () => {
    const refusal = (name: string, message: string) => async () => {
      throw Object.assign(new Error(message), { name });
    };
    const fixes = await Promise.all(
      [
        refusal('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
        refusal('AccessDeniedException', 'User is not authorized to perform secretsmanager:GetSecretValue'),
        refusal('AccessDeniedException', 'Access to KMS is not allowed'),
      ].map(async (secret) => check(await runDoctor(deps({}, secret), 'orders'), 'Secret').fix),
    );

    expect(fixes[0]).toMatch(/^Create secret "prod\/ords\/orders"/);
    expect(fixes[1]).toContain(
      "Tag the secret with its database: aws secretsmanager tag-resource --secret-id 'prod/ords/orders' --tags Key=ords-datapump-backup:database,Value=orders",
    );
    expect(fixes[2]).toMatch(/kms:Decrypt/);
  });

  it('fails on a secret that is not JSON without quoting it', async () => {
    const report = await runDoctor(
      deps({}, async () => 'password=hunter2'),
      'orders',
    );

    expect(check(report, 'Secret')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('not JSON'),
    });
    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(check(report, 'ORDS answers').status).toBe('skipped');
  });
});

describe('directoryCheckSql', () => {
  it('fails on a directory name that is not an Oracle identifier, so nothing is injected', () => {
    expect(() => directoryCheckSql("X'); DROP USER HR CASCADE; --")).toThrow(/is not an Oracle identifier/);
  });
});

describe('the doctor on a database with a restore drill', () => {
  const drill = {
    schedule: { cron: '0 2 ? * SUN *', timeZone: 'UTC' },
    targetSchema: 'HR_DRILL',
    schema: 'HR',
  };

  it('passes when the drill schema does not exist yet', async () => {
    const report = await runDoctor(deps({ restoreDrill: drill }), 'orders');

    expect(check(report, 'Restore drill schema')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('drill schema HR_DRILL does not exist: a drill imports HR into it'),
    });
    expect(report.ok).toBe(true);
  });

  it('fails when the drill schema already exists, saying that the next drill refuses it and how to fix it', async () => {
    // GIVEN a left-over drill schema in the database
    await sim.stop();
    sim = await startOrdsSimulator({ databaseUsers: ['SYS', 'SYSTEM', 'HR', 'DBAPI_USER', 'HR_DRILL'] });

    const report = await runDoctor(deps({ restoreDrill: drill }), 'orders');

    expect(check(report, 'Restore drill schema')).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(
        /^drill schema HR_DRILL already exists \(created .*\): the next drill refuses it$/,
      ),
      fix: expect.stringContaining('DROP USER "HR_DRILL" CASCADE'),
    });
    expect(report.ok).toBe(false);
  });

  it('skips the drill check when REST-enabled SQL is off', async () => {
    sim.configure({ restSql: false });

    const report = await runDoctor(deps({ restoreDrill: drill }), 'orders');

    expect(check(report, 'Restore drill schema')).toMatchObject({
      status: 'skipped',
      detail: 'drill schema HR_DRILL is checked through REST-enabled SQL, which did not run',
    });
  });
});

describe('the doctor tells which restore path a database supports', () => {
  it('says DBMS_CLOUD.GET_OBJECT is tried first and files are checked by SHA-256 where both are granted', async () => {
    const report = await runDoctor(deps(), 'orders');

    expect(check(report, 'Restore path')).toMatchObject({ status: 'ok' });
    expect(check(report, 'Restore path').detail).toMatch(
      /GET_OBJECT is available.*UTL_FILE can use directory DATA_PUMP_DIR.*SHA-256/,
    );
  });

  it('says the restore uploads in chunks, checked by size, without DBMS_CLOUD and DBMS_CRYPTO', async () => {
    sim.configure({ restore: { ...defaultRestoreSwitches(), dbmsCloud: false, dbmsCrypto: false } });

    const report = await runDoctor(deps(), 'orders');

    expect(check(report, 'Restore path')).toMatchObject({ status: 'ok' });
    expect(check(report, 'Restore path').detail).toMatch(
      /DBMS_CLOUD is not available.*chunks.*DBMS_CRYPTO is not granted/,
    );
  });
});
