import { OrdsAuthError, OrdsResponseError, OrdsUnavailableError } from '../base/index.js';
import { ORACLE_IDENTIFIER } from '../export/index.js';
import type { OrdsConnection, OrdsCredentials, OrdsSecret } from '../ords/index.js';
import {
  basicAuthorization,
  isOrdsNotFound,
  jobsUrl,
  OrdsHttpUnavailableError,
  parseOrdsUrl,
  parseTokenResponse,
  sqlUrl,
  tokenUrl,
} from '../ords/index.js';
import type { DatabaseBinding } from '../run/index.js';
import {
  hostPort,
  isJson,
  notOrds,
  saidOf,
  send,
  serverTrouble,
  UNAVAILABLE_FIX,
  unreachable,
} from './doctor-answers.js';
import { checkDrillSchema, DRILL_CHECK } from './doctor-drill.js';
import { checkGrants, GRANTS_CHECK } from './doctor-grants.js';
import { checkDrillIdentity, IDENTITY_CHECK } from './doctor-identity.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';
import { checkRestorePath, RESTORE_CHECK } from './doctor-restore.js';
import { dataPumpRoleFix, jobListPrivilegeFix, restSqlRoleFix, type Who } from './doctor-roles.js';

/**
 * The doctor's checks of ORDS itself: that it answers, accepts the credentials, lists Data Pump
 * jobs, runs REST-enabled SQL, and that the Data Pump directory is usable. Each failure names what
 * was seen (host and port, status, user, secret id, never a secret value) and one fix.
 */

/** The Oracle error the directory check raises when the directory is not visible to the user. */
export const DIRECTORY_MISSING_CODE = 20001;

/**
 * The PL/SQL block that checks a directory: ALL_DIRECTORIES lists the directories the user holds a
 * privilege on (or all of them for a DBA). Raises ORA-20001 when `directory` is not among them.
 * One line, run through REST-enabled SQL; `directory` must be an Oracle identifier.
 */
export function directoryCheckSql(directory: string): string {
  if (!ORACLE_IDENTIFIER.test(directory)) {
    throw new Error(`directory "${directory}" is not an Oracle identifier (${ORACLE_IDENTIFIER.source})`);
  }
  return (
    `DECLARE n PLS_INTEGER; BEGIN SELECT COUNT(*) INTO n FROM all_directories WHERE directory_name = '${directory}'; ` +
    `IF n = 0 THEN RAISE_APPLICATION_ERROR(-${DIRECTORY_MISSING_CODE}, 'directory ${directory} is not visible to this user'); END IF; END;`
  );
}

const NAMES = [
  'ORDS answers',
  'Authentication',
  'Data Pump jobs',
  'REST-enabled SQL',
  'Data Pump directory',
  DRILL_CHECK,
  IDENTITY_CHECK,
  GRANTS_CHECK,
  RESTORE_CHECK,
];

/** The nine ORDS checks, in order; after a failure the checks that need it are skipped. */
export async function checkOrds(
  connection: OrdsConnection,
  binding: DatabaseBinding,
  secret: OrdsSecret,
): Promise<Check[]> {
  const base = parseOrdsUrl(binding.ordsUrl);
  const { credentials } = secret;
  const who: Who =
    credentials.kind === 'basic'
      ? {
          label: `user ${credentials.username}`,
          grantee: credentials.username.toUpperCase(),
          secretId: binding.secretId,
        }
      : {
          label: `OAuth client ${credentials.clientId}`,
          grantee: `<the schema of OAuth client ${credentials.clientId}>`,
          secretId: binding.secretId,
          clientId: credentials.clientId,
        };
  const checks: Check[] = [];
  const finish = (reason: string) => [
    ...checks,
    ...NAMES.slice(checks.length).map((name) => skipped(name, reason)),
  ];

  checks.push(await checkAnswers(connection, base, who));
  if (checks[0]?.status === 'failed') return finish('needs ORDS to answer');
  const authentication = await checkAuthentication(connection, base, who, credentials);
  checks.push(authentication);
  if (authentication.status === 'failed') {
    // After a refused login nothing more is sent: repeated failures lock the database account.
    return finish('needs accepted credentials (nothing more is sent after a refusal)');
  }
  checks.push(await checkJobs(connection, base, who));
  const [sql, directory] = await checkDirectory(connection, base, binding, who);
  const restSqlRan = sql.status === 'ok';
  checks.push(sql, directory, await checkDrillSchema(connection, binding, restSqlRan));
  checks.push(await checkDrillIdentity(connection.client, binding, sql));
  checks.push(await checkGrants(connection, binding, restSqlRan));
  checks.push(await checkRestorePath(connection, binding, restSqlRan));
  return checks;
}

async function checkAnswers(connection: OrdsConnection, base: URL, who: Who): Promise<Check> {
  const name = 'ORDS answers';
  const url = jobsUrl(base);
  const answer = await send(connection, { method: 'GET', url });
  if (!('status' in answer)) return unreachable(name, answer.error, base, who);
  const where = hostPort(base);
  const trouble = serverTrouble(name, answer, `GET ${url.href}`);
  if (trouble) return trouble;
  if (answer.status === 401) {
    return ok(name, `ORDS at ${where} answered 401 to a request without credentials, as it should`);
  }
  if (isJson(answer)) return ok(name, `ORDS at ${where} answered ${answer.status} with JSON`);
  return notOrds(name, answer, `GET ${url.href}`);
}

async function checkAuthentication(
  connection: OrdsConnection,
  base: URL,
  who: Who,
  credentials: OrdsCredentials,
): Promise<Check> {
  const name = 'Authentication';
  let authorization: string;
  if (credentials.kind === 'basic') {
    authorization = basicAuthorization(credentials.username, credentials.password);
  } else {
    const token = await fetchToken(connection, base, who, credentials);
    if ('check' in token) return token.check;
    authorization = token.authorization;
  }
  const url = jobsUrl(base);
  url.searchParams.set('limit', '1');
  const request = `GET ${url.href}`;
  const answer = await send(connection, { method: 'GET', url, authorization });
  if (!('status' in answer)) return unreachable(name, answer.error, base, who);
  const said = saidOf(answer);
  if (answer.status >= 200 && answer.status < 300) {
    return ok(name, `ORDS accepted ${who.label} from secret "${who.secretId}"`);
  }
  if (answer.status === 500) {
    // ORDS ran the job list's query, so it accepted the credentials; the query's failure (most
    // often the privilege on DBA_DATAPUMP_JOBS) is the next check's.
    return ok(name, `ORDS accepted ${who.label} from secret "${who.secretId}" (its job list answered 500)`);
  }
  if (answer.status === 401 && credentials.kind === 'basic') {
    return failed(
      name,
      `ORDS answered 401 for ${who.label} at ${request}: the user name or password in secret ` +
        `"${who.secretId}" is wrong, or the account is locked or expired${said}`,
      `Put the current password of database user ${who.grantee} into secret "${who.secretId}" (or unlock ` +
        `the account: ALTER USER ${who.grantee} ACCOUNT UNLOCK), then run the doctor again.`,
    );
  }
  if (answer.status === 401) {
    return failed(
      name,
      `ORDS issued a token to ${who.label} but refused it at ${request} (401)${said}`,
      dataPumpRoleFix(who),
    );
  }
  if (answer.status === 403) {
    return failed(
      name,
      `${who.label} is authenticated, but ORDS refuses it the Database API (403 at ${request}): it lacks the ORDS role${said}`,
      dataPumpRoleFix(who),
    );
  }
  if (answer.status === 404) {
    return skipped(name, `ORDS answered 404 to ${request} before looking at the credentials`);
  }
  return (
    serverTrouble(name, answer, request) ??
    failed(
      name,
      `ORDS answered ${answer.status} to ${request} with credentials${said}`,
      'Check the ORDS URL and the ORDS log of this request.',
    )
  );
}

async function fetchToken(
  connection: OrdsConnection,
  base: URL,
  who: Who,
  credentials: Extract<OrdsCredentials, { kind: 'oauth2' }>,
): Promise<{ check: Check } | { authorization: string }> {
  const name = 'Authentication';
  const url = tokenUrl(base);
  const answer = await send(connection, {
    method: 'POST',
    url,
    authorization: basicAuthorization(credentials.clientId, credentials.clientSecret),
    contentType: 'application/x-www-form-urlencoded',
    body: 'grant_type=client_credentials',
  });
  if (!('status' in answer)) return { check: unreachable(name, answer.error, base, who) };
  const request = `POST ${url.href}`;
  if (answer.status === 200) {
    try {
      // The answer holds the token: never quote it.
      return { authorization: `Bearer ${parseTokenResponse(JSON.parse(answer.body)).accessToken}` };
    } catch (error) {
      const why = error instanceof OrdsResponseError ? error.message : 'the body is not JSON';
      return {
        check: failed(
          name,
          `the OAuth token endpoint ${request} answered 200 without a usable token: ${why}`,
          `Check that the ORDS URL is the schema alias where ${who.label} is defined.`,
        ),
      };
    }
  }
  const said = saidOf(answer);
  if (answer.status === 401) {
    return {
      check: failed(
        name,
        `the OAuth token endpoint ${request} refused ${who.label} (401): clientId or clientSecret in secret "${who.secretId}" is wrong${said}`,
        `Put the client id and secret of ${who.label} (USER_ORDS_CLIENTS) into secret "${who.secretId}", or register the client with OAUTH.CREATE_CLIENT.`,
      ),
    };
  }
  if (answer.status === 400) {
    return {
      check: failed(
        name,
        `the OAuth token endpoint ${request} refused the client_credentials grant of ${who.label}${said}`,
        `Register ${who.label} with the client_credentials grant type (OAUTH.CREATE_CLIENT, p_grant_type => 'client_credentials').`,
      ),
    };
  }
  if (answer.status === 404) {
    return {
      check: failed(
        name,
        `there is no OAuth token endpoint at ${request} (404)${said}`,
        `Use the ORDS URL of the schema alias that owns ${who.label} (its token route is <ORDS URL>oauth/token).`,
      ),
    };
  }
  return {
    check:
      serverTrouble(name, answer, request) ??
      failed(
        name,
        `the OAuth token endpoint ${request} answered ${answer.status}${said}`,
        'Check the ORDS URL and the ORDS log of this request.',
      ),
  };
}

async function checkJobs(connection: OrdsConnection, base: URL, who: Who): Promise<Check> {
  const name = 'Data Pump jobs';
  try {
    const jobs = await connection.client.listJobs();
    return ok(name, `${who.label} can list Data Pump jobs (${jobs.length} visible)`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isOrdsNotFound(error)) {
      return failed(
        name,
        `GET ${jobsUrl(base).href} answered 404: the Database API is not enabled on this ORDS, or the schema alias in the ORDS URL is wrong`,
        'Enable the Database API (ORDS settings database.api.enabled=true and feature.sdw=true), REST-enable the schema (ORDS.ENABLE_SCHEMA) and check the schema alias in the ORDS URL.',
      );
    }
    if (error instanceof OrdsAuthError) {
      return failed(name, message, dataPumpRoleFix(who));
    }
    if (error instanceof OrdsHttpUnavailableError && error.status === 500) {
      return failed(name, message, jobListPrivilegeFix(who));
    }
    if (error instanceof OrdsUnavailableError) {
      return failed(name, message, UNAVAILABLE_FIX);
    }
    return failed(
      name,
      message,
      "Check that the ORDS URL points at ORDS's Database API (ORDS 22.3 or later), not at a proxy that rewrites answers.",
    );
  }
}

async function checkDirectory(
  connection: OrdsConnection,
  base: URL,
  binding: DatabaseBinding,
  who: Who,
): Promise<[Check, Check]> {
  const directory = binding.export.datapumpDir.toUpperCase();
  const statement = directoryCheckSql(directory);
  const url = sqlUrl(base).href;
  const notChecked = skipped(
    'Data Pump directory',
    `directory ${directory} is checked through REST-enabled SQL, which did not run`,
  );
  let results: Awaited<ReturnType<OrdsConnection['client']['runSql']>>;
  try {
    results = await connection.client.runSql([statement]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isOrdsNotFound(error)) {
      const detail = `POST ${url} answered 404: REST-enabled SQL is disabled`;
      const sql =
        binding.serverCleanup === 'off'
          ? skipped('REST-enabled SQL', `${detail}; server cleanup is off, so backups do not need it`)
          : failed(
              'REST-enabled SQL',
              `${detail}, and server cleanup (${binding.serverCleanup}) needs it`,
              'Enable REST-enabled SQL in ORDS (restEnabledSql.active=true) and restart ORDS, or set serverCleanup to "off" for this database and deploy.',
            );
      return [sql, notChecked];
    }
    const fix =
      error instanceof OrdsAuthError
        ? restSqlRoleFix(who)
        : error instanceof OrdsUnavailableError
          ? UNAVAILABLE_FIX
          : 'Check the ORDS log of this request, then run the doctor again.';
    return [failed('REST-enabled SQL', message, fix), notChecked];
  }
  const sqlOk = ok('REST-enabled SQL', `POST ${url} runs statements as ${who.label}`);
  const result = results[0];
  if (result?.ok) {
    return [
      sqlOk,
      ok('Data Pump directory', `directory ${directory} exists and ${who.label} holds privileges on it`),
    ];
  }
  if (result?.errorCode === DIRECTORY_MISSING_CODE) {
    return [
      sqlOk,
      failed(
        'Data Pump directory',
        `directory ${directory} does not exist or ${who.label} lacks READ/WRITE on it`,
        `As a DBA run CREATE DIRECTORY ${directory} AS '<path on the database server>' and GRANT READ, WRITE ON DIRECTORY ${directory} TO ${who.grantee}, or set export.datapumpDir to a directory the user may use and deploy.`,
      ),
    ];
  }
  return [
    sqlOk,
    failed(
      'Data Pump directory',
      `the check of directory ${directory} failed: ${result?.errorDetails ?? 'no result'}`,
      `Run the check as ${who.grantee} in SQL*Plus to see why: ${statement}`,
    ),
  ];
}
