import { text } from 'node:stream/consumers';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OrdsAuthError,
  OrdsRequestError,
  OrdsResponseError,
  OrdsUnavailableError,
} from '../../../../functions/core/base/errors.js';
import type { OrdsSecret } from '../../../../functions/core/ords/ords-api.js';
import { OrdsClient, type OrdsClientOptions } from '../../../../functions/core/ords/ords-client.js';
import { isOrdsNotFound, type OrdsHttpRequestError } from '../../../../functions/core/ords/ords-errors.js';
import { BASE, fixtureText } from './fixtures.js';

const ORIGIN = 'https://db.example.com:8443';
const ALIAS = '/ords/pdb1/dbapi_user';
const API = `${ALIAS}/_/db-api/stable/database/datapump`;
const JOB = 'DATAPUMP_REST_EXPORT_20261123020001';
const JOB_PATH = `${API}/jobs/DBAPI_USER,${JOB}/`;
const PASSWORD = 'Tr0ub4dor&3-never-shown';
const CLIENT_SECRET = 'client-secret-never-shown';

const BASIC: OrdsSecret = { credentials: { kind: 'basic', username: 'DBAPI_USER', password: PASSWORD } };
const OAUTH: OrdsSecret = {
  credentials: { kind: 'oauth2', clientId: 'backup-client', clientSecret: CLIENT_SECRET },
};
const JSON_HEADERS = { 'content-type': 'application/json' };
const PROBLEM_HEADERS = { 'content-type': 'application/problem+json' };

let agent: MockAgent;

afterEach(async () => {
  await agent?.close();
});

function setup(secret: OrdsSecret = BASIC, options: Partial<OrdsClientOptions> = {}) {
  agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  const ords = agent.get(ORIGIN);
  const client = new OrdsClient({
    baseUrl: BASE,
    secret,
    secretId: 'prod/ords/orders',
    dispatcher: agent,
    ...options,
  });
  const calls = () => agent.getCallHistory()?.calls() ?? [];
  return { ords, client, calls };
}

function headerOf(call: { headers: Record<string, string | string[]> | null | undefined }, name: string) {
  const value = call.headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

function tokenReply(token: string, expiresIn = 3600) {
  return { access_token: token, token_type: 'bearer', expires_in: expiresIn };
}

describe('OrdsClient authentication', () => {
  it('sends Basic credentials and asks for JSON', async () => {
    const { ords, client, calls } = setup();
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-created.json'), { headers: JSON_HEADERS });

    const job = await client.getJob('DBAPI_USER', JOB);

    expect(job?.state).toBe('EXECUTING');
    const [call] = calls();
    expect(headerOf(call!, 'authorization')).toBe(
      `Basic ${Buffer.from(`DBAPI_USER:${PASSWORD}`).toString('base64')}`,
    );
    expect(headerOf(call!, 'accept')).toBe('application/json');
  });

  it('fetches an OAuth token once and reuses it', async () => {
    const { ords, client, calls } = setup(OAUTH);
    ords
      .intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' })
      .reply(200, tokenReply('T1'), { headers: JSON_HEADERS });
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-created.json')).times(2);

    await client.getJob('DBAPI_USER', JOB);
    await client.getJob('DBAPI_USER', JOB);

    const [token, first, second] = calls();
    expect(calls()).toHaveLength(3);
    expect(token?.path).toBe(`${ALIAS}/oauth/token`);
    expect(headerOf(token!, 'authorization')).toBe(
      `Basic ${Buffer.from(`backup-client:${CLIENT_SECRET}`).toString('base64')}`,
    );
    expect(headerOf(token!, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(token?.body).toBe('grant_type=client_credentials');
    expect(headerOf(first!, 'authorization')).toBe('Bearer T1');
    expect(headerOf(second!, 'authorization')).toBe('Bearer T1');
  });

  it('fetches a new OAuth token 60 seconds before the old one expires', async () => {
    let nowMs = 1_000_000;
    const { ords, client, calls } = setup(OAUTH, { now: () => nowMs });
    ords.intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' }).reply(200, tokenReply('T1', 3600));
    ords.intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' }).reply(200, tokenReply('T2', 3600));
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-created.json')).times(3);

    await client.getJob('DBAPI_USER', JOB);
    nowMs += 3_539_000;
    await client.getJob('DBAPI_USER', JOB);
    nowMs += 1_000;
    await client.getJob('DBAPI_USER', JOB);

    expect(
      calls()
        .map((call) => headerOf(call, 'authorization') ?? '')
        .map((h) => h.split(' ')[1]),
    ).toEqual([expect.any(String), 'T1', 'T1', expect.any(String), 'T2']);
  });

  it('renews a cached token refused with 401 and retries the request once', async () => {
    const { ords, client, calls } = setup(OAUTH);
    ords.intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' }).reply(200, tokenReply('T1'));
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-created.json'));
    ords
      .intercept({ path: JOB_PATH })
      .reply(401, fixtureText('problem-unauthorized.json'), { headers: PROBLEM_HEADERS });
    ords.intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' }).reply(200, tokenReply('T2'));
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-created.json'));

    await client.getJob('DBAPI_USER', JOB);
    const job = await client.getJob('DBAPI_USER', JOB);

    expect(job?.jobName).toBe(JOB);
    expect(
      calls().map(
        (call) =>
          `${call.path} ${headerOf(call, 'authorization')?.startsWith('Bearer') ? headerOf(call, 'authorization') : ''}`,
      ),
    ).toEqual([
      `${ALIAS}/oauth/token `,
      `${JOB_PATH} Bearer T1`,
      `${JOB_PATH} Bearer T1`,
      `${ALIAS}/oauth/token `,
      `${JOB_PATH} Bearer T2`,
    ]);
  });

  it('fails when a renewed token is refused too, after exactly one retry', async () => {
    const { ords, client, calls } = setup(OAUTH);
    ords.intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' }).reply(200, tokenReply('T1'));
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-created.json'));
    ords.intercept({ path: JOB_PATH }).reply(401, '').times(2);
    ords.intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' }).reply(200, tokenReply('T2'));
    await client.getJob('DBAPI_USER', JOB);

    const error = await caught(client.getJob('DBAPI_USER', JOB));

    expect(error).toBeInstanceOf(OrdsAuthError);
    expect(calls()).toHaveLength(5);
  });

  it('fails when a freshly fetched token is refused and does not retry', async () => {
    const { ords, client, calls } = setup(OAUTH);
    ords.intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' }).reply(200, tokenReply('T1'));
    ords.intercept({ path: JOB_PATH }).reply(401, '');

    const error = await caught(client.getJob('DBAPI_USER', JOB));

    expect(error).toBeInstanceOf(OrdsAuthError);
    expect(error.message).toContain('backup-client');
    expect(calls()).toHaveLength(2);
  });

  it('fails when the token endpoint answers 401 and names the client id, not the secret', async () => {
    const { ords, client, calls } = setup(OAUTH);
    ords
      .intercept({ path: `${ALIAS}/oauth/token`, method: 'POST' })
      .reply(401, fixtureText('problem-unauthorized.json'), {
        headers: PROBLEM_HEADERS,
      });

    const error = await caught(client.listJobs());

    expect(error).toBeInstanceOf(OrdsAuthError);
    expect(error.message).toContain('for user backup-client');
    expect(error.message).toContain(`${ORIGIN}${ALIAS}/oauth/token`);
    expect(error.message).not.toContain(CLIENT_SECRET);
    expect(calls()).toHaveLength(1);
  });

  it('fails when ORDS answers 401 to Basic credentials and does not retry', async () => {
    const { ords, client, calls } = setup();
    ords.intercept({ path: JOB_PATH }).reply(401, fixtureText('problem-unauthorized.json'), {
      headers: { ...PROBLEM_HEADERS, 'www-authenticate': 'Basic realm="Oracle REST Data Services"' },
    });

    const error = await caught(client.getJob('DBAPI_USER', JOB));

    expect(error).toBeInstanceOf(OrdsAuthError);
    expect(error.name).toBe('OrdsAuthError');
    expect(error.message).toMatch(
      new RegExp(
        `^ORDS answered 401 Unauthorized for user DBAPI_USER at GET ${ORIGIN}${JOB_PATH} — check the secret "prod/ords/orders"`,
      ),
    );
    expect(error.message).toContain('[tag:oracle.com,2020:ecid/w4UbuP3DtbXhpKJXl3Y5Ng]');
    expect(error.message).not.toContain(PASSWORD);
    expect(calls()).toHaveLength(1);
  });

  it('fails when ORDS answers 403 and says what the user lacks', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: `${API}/jobs/` })
      .reply(403, { code: 'Forbidden', message: 'Forbidden' }, { headers: PROBLEM_HEADERS });

    const error = await caught(client.listJobs());

    expect(error).toBeInstanceOf(OrdsAuthError);
    expect(error.message).toMatch(/403 Forbidden for user DBAPI_USER.*"SQL Administrator"/);
  });
});

describe('OrdsClient errors', () => {
  it('fails with OrdsUnavailableError when ORDS answers 503', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: `${API}/jobs/` })
      .reply(503, 'Service Unavailable', { headers: { 'retry-after': '30' } });

    const error = await caught(client.listJobs());

    expect(error).toBeInstanceOf(OrdsUnavailableError);
    expect(error.message).toBe(
      `ORDS answered 503 Service Unavailable to GET ${ORIGIN}${API}/jobs/, Retry-After: 30 (ORDS said: Service Unavailable)`,
    );
  });

  it('fails with OrdsUnavailableError when ORDS answers 429', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: `${API}/jobs/` }).reply(429, '');

    expect(await caught(client.listJobs())).toBeInstanceOf(OrdsUnavailableError);
  });

  it('fails with OrdsUnavailableError when the connection is reset and keeps the cause', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: `${API}/jobs/` })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    const error = await caught(client.listJobs());

    expect(error).toBeInstanceOf(OrdsUnavailableError);
    expect(error.message).toContain('ECONNRESET');
    expect((error.cause as { code?: string }).code).toBe('ECONNRESET');
  });

  it('fails with a readable message for a problem+json body', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: `${API}/export`, method: 'POST' })
      .reply(400, fixtureText('problem-bad-request.json'), { headers: PROBLEM_HEADERS });

    const error = await caught(
      client.startExport({ job_mode: 'SCHEMA', datapump_dir: 'NOPE', file_name: 'X-%U.DMP', keep_master: 1 }),
    );

    expect(error).toBeInstanceOf(OrdsRequestError);
    expect((error as OrdsHttpRequestError).status).toBe(400);
    expect(error.message).toBe(
      `ORDS answered 400 Bad Request to POST ${ORIGIN}${API}/export (ORDS said: BadRequest: ORA-39002: invalid ` +
        'operation ORA-39070: Unable to open the log file. ORA-29283: invalid file operation: nonexistent file or ' +
        'path [29434] (Bad Request) [tag:oracle.com,2020:ecid/Jd8cK0YyP1c8fSxnWv3mQw])',
    );
  });

  it('fails with the title of an HTML error page, without tags', async () => {
    const { ords, client } = setup();
    const html =
      '<!DOCTYPE html><html><head><title>404 Not Found</title><style>body{color:red}</style></head>' +
      '<body><h1>Not Found</h1><p>The request could not be mapped to any database.</p></body></html>';
    ords.intercept({ path: `${API}/jobs/` }).reply(404, html, { headers: { 'content-type': 'text/html' } });

    const error = await caught(client.listJobs());

    expect(error).toBeInstanceOf(OrdsRequestError);
    expect(error.message).toContain('(ORDS said: 404 Not Found — Not Found)');
    expect(error.message).not.toContain('<');
  });

  it('masks credentials a server echoes in an error body', async () => {
    const { ords, client } = setup();
    const echoed = `Authorization: Basic ${Buffer.from(`DBAPI_USER:${PASSWORD}`).toString('base64')} rejected`;
    ords
      .intercept({ path: `${API}/jobs/` })
      .reply(400, echoed, { headers: { 'content-type': 'text/plain' } });

    const error = await caught(client.listJobs());

    expect(error.message).toContain('Basic *** rejected');
    expect(error.message).not.toContain(Buffer.from(`DBAPI_USER:${PASSWORD}`).toString('base64'));
  });

  it('cuts a long error body to 500 characters', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: `${API}/jobs/` }).reply(400, 'x'.repeat(100_000));

    const error = await caught(client.listJobs());

    expect(error.message).toContain(`${'x'.repeat(499)}…`);
    expect(error.message).not.toContain('x'.repeat(501));
  });

  it('fails with OrdsResponseError for a body that is not JSON and quotes it', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: JOB_PATH }).reply(200, '<html><title>Sign in</title></html>', {
      headers: { 'content-type': 'text/html' },
    });

    const error = await caught(client.getJob('DBAPI_USER', JOB));

    expect(error).toBeInstanceOf(OrdsResponseError);
    expect(error.message).toContain('not JSON (Content-Type text/html): Sign in');
  });

  it('fails with OrdsResponseError for a job without owner_name', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: JOB_PATH })
      .reply(200, { job_name: JOB, operation: 'EXPORT', job_mode: 'FULL', state: 'EXECUTING' });

    const error = await caught(client.getJob('DBAPI_USER', JOB));

    expect(error).toBeInstanceOf(OrdsResponseError);
    expect(error.message).toContain('without "owner_name"');
  });

  it('fails for a redirect and does not follow it', async () => {
    const { ords, client, calls } = setup();
    const evil = agent.get('https://evil.example.net');
    evil.intercept({ path: /.*/ }).reply(200, fixtureText('job-created.json')).persist();
    ords
      .intercept({ path: JOB_PATH })
      .reply(302, '', { headers: { location: `https://evil.example.net${JOB_PATH}` } });

    const error = await caught(client.getJob('DBAPI_USER', JOB));

    expect(error).toBeInstanceOf(OrdsRequestError);
    expect((error as OrdsHttpRequestError).status).toBe(302);
    expect(error.message).toContain('redirects are not followed');
    expect(calls().map((call) => call.origin)).toEqual([ORIGIN]);
  });
});

describe('OrdsClient jobs', () => {
  it('starts an export with a JSON body and reads the 201 job', async () => {
    const { ords, client, calls } = setup();
    ords.intercept({ path: `${API}/export`, method: 'POST' }).reply(201, fixtureText('job-created.json'), {
      headers: { ...JSON_HEADERS, location: `http://ords-internal:8080${JOB_PATH}` },
    });
    const body = {
      job_mode: 'SCHEMA',
      datapump_dir: 'DATA_PUMP_DIR',
      file_name: 'ORDERS-X-%U.DMP',
      filter: 'HR',
      keep_master: 1,
    } as const;

    const job = await client.startExport(body);

    expect(job).toMatchObject({ owner: 'DBAPI_USER', jobName: JOB, state: 'EXECUTING' });
    const [call] = calls();
    expect(headerOf(call!, 'content-type')).toBe('application/json');
    expect(headerOf(call!, 'accept')).toBe('application/json');
    expect(JSON.parse(String(call?.body))).toEqual(body);
  });

  it('returns null for a job ORDS answers 404 for', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: JOB_PATH })
      .reply(404, { code: 'NotFound', message: 'Not Found' }, { headers: PROBLEM_HEADERS });

    expect(await client.getJob('DBAPI_USER', JOB)).toBeNull();
  });

  it('pages by offset on the configured URL and never along the next link of a proxied list', async () => {
    const { ords, client, calls } = setup();
    const internal = agent.get('http://ords-internal:8080');
    internal.intercept({ path: /.*/ }).reply(500, 'must not be called').persist();
    ords.intercept({ path: `${API}/jobs/` }).reply(200, fixtureText('job-list-page-1.json'));
    ords.intercept({ path: `${API}/jobs/?offset=2&limit=2` }).reply(200, fixtureText('job-list-page-2.json'));

    const jobs = await client.listJobs();

    expect(jobs.map((job) => job.jobName)).toEqual([
      'DATAPUMP_REST_EXPORT_20261121020003',
      'DATAPUMP_REST_EXPORT_20261122020002',
      JOB,
      'SYS_IMPORT_SCHEMA_01',
    ]);
    expect(calls().map((call) => call.fullUrl)).toEqual([
      `${ORIGIN}${API}/jobs/`,
      `${ORIGIN}${API}/jobs/?offset=2&limit=2`,
    ]);
  });

  it('pages by offset and limit when there is no next link', async () => {
    const { ords, client } = setup();
    const item = (name: string) => ({
      owner_name: 'A',
      job_name: name,
      operation: 'EXPORT',
      job_mode: 'FULL',
      state: 'NOT RUNNING',
    });
    ords
      .intercept({ path: `${API}/jobs/` })
      .reply(200, { items: [item('J1'), item('J2')], hasMore: true, offset: 0, limit: 2 });
    ords
      .intercept({ path: `${API}/jobs/?offset=2&limit=2` })
      .reply(200, { items: [item('J2'), item('J3')], hasMore: false, offset: 2, limit: 2 });

    expect((await client.listJobs()).map((job) => job.jobName)).toEqual(['J1', 'J2', 'J3']);
  });

  it('leaves out BIN$ rows and still counts them for the next offset', async () => {
    const { ords, client, calls } = setup();
    ords.intercept({ path: `${API}/jobs/` }).reply(200, fixtureText('job-list-noise.json'));
    ords.intercept({ path: `${API}/jobs/?offset=6&limit=3` }).reply(200, { items: [], hasMore: false });

    const jobs = await client.listJobs();

    expect(jobs.map((job) => job.jobName)).toEqual(['SYS_EXPORT_FULL_01', JOB]);
    expect(calls()).toHaveLength(2);
  });

  it('fails after the page cap when ORDS always says there is more', async () => {
    const { ords, client, calls } = setup(BASIC, { maxListPages: 3 });
    let page = 0;
    ords
      .intercept({ path: /\/jobs\// })
      .reply(() => ({
        statusCode: 200,
        data: {
          items: [
            { owner_name: 'A', job_name: `J${page++}`, operation: 'EXPORT', job_mode: 'FULL', state: 'X' },
          ],
          hasMore: true,
        },
      }))
      .persist();

    const error = await caught(client.listJobs());

    expect(error).toBeInstanceOf(OrdsResponseError);
    expect(error.message).toContain('more than 3 pages');
    expect(calls()).toHaveLength(3);
  });

  it('fails when ORDS says there is more after an empty page, naming the offset', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: `${API}/jobs/` }).reply(200, { items: [], hasMore: true });

    expect((await caught(client.listJobs())).message).toMatch(/empty page at offset 0/);
  });

  it('never sends a request to a foreign next link', async () => {
    const { ords, client, calls } = setup();
    const evil = agent.get('https://evil.example.net');
    evil.intercept({ path: /.*/ }).reply(200, { items: [], hasMore: false }).persist();
    const item = { owner_name: 'A', job_name: 'J1', operation: 'EXPORT', job_mode: 'FULL', state: 'X' };
    ords.intercept({ path: `${API}/jobs/` }).reply(200, {
      items: [item],
      hasMore: true,
      links: [{ rel: 'next', href: 'https://evil.example.net/jobs/?offset=25' }],
    });
    ords.intercept({ path: `${API}/jobs/?offset=1` }).reply(200, { items: [], hasMore: false });

    await client.listJobs();

    expect(calls().map((call) => call.origin)).toEqual([ORIGIN, ORIGIN]);
  });

  it('reads only the file name of a file link to a foreign host and downloads it from the configured URL', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-foreign-link.json'));

    const job = await client.getJob('DBAPI_USER', JOB);

    expect(job?.files.map((file) => file.url)).toEqual([
      `${ORIGIN}${JOB_PATH}ORDERS-20261123T020000Z-1A2B-01.DMP`,
    ]);
  });

  it('warns about a malformed file link and skips it', async () => {
    const lines: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (message: string) => lines.push(message) };
    const { ords, client } = setup(BASIC, { logger });
    ords.intercept({ path: JOB_PATH }).reply(200, fixtureText('job-gateway-links.json'));

    const job = await client.getJob('DBAPI_USER', JOB);

    expect(job?.files).toHaveLength(3);
    expect(lines).toEqual(['Skipping a job link whose file name cannot be read']);
  });

  it.each([
    ['file_name', '22.3'],
    ['keep_master', '25.x'],
  ])(
    'fails naming the field and the ORDS versions that accept it when ORDS refuses %s',
    async (field, version) => {
      const { ords, client } = setup();
      ords
        .intercept({ path: `${API}/export`, method: 'POST' })
        .reply(
          400,
          { code: 'BadRequest', message: `Unrecognized field "${field}"` },
          { headers: PROBLEM_HEADERS },
        );

      const error = await caught(
        client.startExport({ job_mode: 'FULL', datapump_dir: 'D', file_name: 'X-%U.DMP', keep_master: 1 }),
      );

      expect(error).toBeInstanceOf(OrdsRequestError);
      expect(error.message).toContain(`ORDS refused the export field "${field}"`);
      expect(error.message).toContain(version);
      expect(error.message).toContain(`Unrecognized field "${field}"`);
    },
  );
});

describe('OrdsClient downloads', () => {
  const FILE = 'ORDERS-20261123T020000Z-1A2B-01.DMP';
  const FILE_PATH = `${JOB_PATH}${FILE}`;

  it('downloads a whole file without Range and reads its length', async () => {
    const { ords, client, calls } = setup();
    ords
      .intercept({ path: FILE_PATH })
      .reply(200, Buffer.from('0123456789'), { headers: { 'content-length': '10' } });

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE);

    expect(download).toMatchObject({ start: 0, totalBytes: 10, contentLength: 10 });
    expect(await text(download.body)).toBe('0123456789');
    const [call] = calls();
    expect(headerOf(call!, 'range')).toBeUndefined();
    expect(headerOf(call!, 'accept-encoding')).toBe('identity');
  });

  it('reports an unknown length for a chunked body', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: FILE_PATH }).reply(200, Buffer.from('0123456789'));

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE);

    expect(download).toMatchObject({ start: 0, totalBytes: null, contentLength: null });
    await text(download.body);
  });

  it('sends Range from the offset and accepts a matching 206', async () => {
    const { ords, client, calls } = setup();
    ords.intercept({ path: FILE_PATH }).reply(206, Buffer.from('6789'), {
      headers: { 'content-range': 'bytes 6-9/10', 'content-length': '4' },
    });

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 6 });

    expect(headerOf(calls()[0]!, 'range')).toBe('bytes=6-');
    expect(download).toMatchObject({ start: 6, totalBytes: 10, contentLength: 4 });
    expect(await text(download.body)).toBe('6789');
  });

  it('accepts a 206 with an unknown total', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: FILE_PATH })
      .reply(206, Buffer.from('6789'), { headers: { 'content-range': 'bytes 6-9/*' } });

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 6 });

    expect(download).toMatchObject({ start: 6, totalBytes: null, contentLength: 4 });
    await text(download.body);
  });

  it('accepts a 200 to a Range request as the whole file from 0', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: FILE_PATH })
      .reply(200, Buffer.from('0123456789'), { headers: { 'content-length': '10' } });

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 6 });

    expect(download).toMatchObject({ start: 0, totalBytes: 10, contentLength: 10 });
    await text(download.body);
  });

  it('fails for a 206 starting elsewhere than the offset', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: FILE_PATH })
      .reply(206, Buffer.from('456789'), { headers: { 'content-range': 'bytes 4-9/10' } });

    const error = await caught(client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 6 }));

    expect(error).toBeInstanceOf(OrdsResponseError);
    expect(error.message).toContain('does not start at the requested offset 6');
  });

  it('fails for a 206 without Content-Range', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: FILE_PATH }).reply(206, Buffer.from('6789'));

    expect(await caught(client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 6 }))).toBeInstanceOf(
      OrdsResponseError,
    );
  });

  it('fails for a compressed body', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: FILE_PATH })
      .reply(200, Buffer.from([0x1f, 0x8b]), { headers: { 'content-encoding': 'gzip' } });

    const error = await caught(client.downloadFile('DBAPI_USER', JOB, FILE));

    expect(error).toBeInstanceOf(OrdsResponseError);
    expect(error.message).toContain('Content-Encoding: gzip');
  });

  it('answers a 416 with bytes */<size> as an empty download that names the size', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: FILE_PATH }).reply(416, '', { headers: { 'content-range': 'bytes */10' } });

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 10 });

    expect(download).toMatchObject({ start: 10, totalBytes: 10, contentLength: 0 });
    expect(await text(download.body)).toBe('');
  });

  it('fails for a 416 whose Content-Range names no size', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: FILE_PATH }).reply(416, '', { headers: { 'content-range': 'bytes 0-1/2' } });

    const error = await caught(client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 10 }));

    expect(error).toBeInstanceOf(OrdsResponseError);
    expect(error.message).toContain('is not bytes */<size>');
  });

  it('fails with OrdsRequestError for a 416 to a request from byte 0', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: FILE_PATH }).reply(416, '', { headers: { 'content-range': 'bytes */0' } });

    const error = await caught(client.downloadFile('DBAPI_USER', JOB, FILE));

    expect(error).toBeInstanceOf(OrdsRequestError);
    expect((error as OrdsHttpRequestError).status).toBe(416);
  });

  it('sends If-Range on a resume and reports the strong ETag and the content type', async () => {
    const { ords, client } = setup();
    let sent: unknown;
    ords.intercept({ path: FILE_PATH }).reply(
      206,
      (options) => {
        sent = (options.headers as Record<string, string>)['if-range'];
        return Buffer.from('6789');
      },
      {
        headers: {
          'content-range': 'bytes 6-9/10',
          etag: '"v1"',
          'content-type': 'application/octet-stream',
        },
      },
    );

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE, { offset: 6, ifRange: '"v1"' });

    expect(sent).toBe('"v1"');
    expect(download).toMatchObject({ validator: '"v1"', contentType: 'application/octet-stream' });
    await text(download.body);
  });

  it('reports Last-Modified as the validator when the ETag is weak', async () => {
    const { ords, client } = setup();
    const lastModified = 'Mon, 23 Nov 2026 02:00:00 GMT';
    ords
      .intercept({ path: FILE_PATH })
      .reply(200, Buffer.from('0123'), { headers: { etag: 'W/"v1"', 'last-modified': lastModified } });

    const download = await client.downloadFile('DBAPI_USER', JOB, FILE);

    expect(download.validator).toBe(lastModified);
    await text(download.body);
  });

  it('fails for a negative offset', async () => {
    const { client } = setup();

    await expect(client.downloadFile('DBAPI_USER', JOB, FILE, { offset: -1 })).rejects.toThrow(RangeError);
  });
});

describe('OrdsClient logs', () => {
  const LOG = 'EXPDAT-2026-11-23-02_00_01.LOG';
  const LOG_PATH = `${JOB_PATH}${LOG}`;

  it('reads a log as text', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: LOG_PATH }).reply(200, 'Job "A"."B" successfully completed at …\n', {
      headers: { 'content-type': 'text/plain' },
    });

    expect(await client.readLog('DBAPI_USER', JOB, LOG)).toBe('Job "A"."B" successfully completed at …\n');
  });

  it('keeps the end of a log larger than maxBytes, starting on a whole character', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: LOG_PATH }).reply(200, `${'é'.repeat(100)}\nlast line\n`);

    const log = await client.readLog('DBAPI_USER', JOB, LOG, 14);

    expect(log).toBe('é\nlast line\n');
  });

  it.each([
    ['Shift_JIS', [0x83, 0x57, 0x83, 0x87, 0x83, 0x75]],
    ['EUC-JP', [0xa5, 0xb8, 0xa5, 0xe7, 0xa5, 0xd6]],
  ])('decodes a log in the charset %s that Content-Type names', async (charset, bytes) => {
    const { ords, client } = setup();
    ords.intercept({ path: LOG_PATH }).reply(200, Buffer.from([...bytes, 0x0a]), {
      headers: { 'content-type': `text/plain; charset=${charset}` },
    });

    expect(await client.readLog('DBAPI_USER', JOB, LOG)).toBe('ジョブ\n');
  });

  it('fails for a log charset Node.js cannot decode and names it', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: LOG_PATH })
      .reply(200, 'x', { headers: { 'content-type': 'text/plain; charset=x-klingon' } });

    const error = await caught(client.readLog('DBAPI_USER', JOB, LOG));

    expect(error).toBeInstanceOf(OrdsResponseError);
    expect(error.message).toContain('"x-klingon"');
  });

  it('fails with a 404 OrdsRequestError callers can recognise as "no log"', async () => {
    const { ords, client } = setup();
    ords
      .intercept({ path: LOG_PATH })
      .reply(404, { code: 'NotFound', message: 'Not Found' }, { headers: PROBLEM_HEADERS });

    const error = await caught(client.readLog('DBAPI_USER', JOB, LOG));

    expect(error).toBeInstanceOf(OrdsRequestError);
    expect(isOrdsNotFound(error)).toBe(true);
    expect((error as OrdsHttpRequestError).status).toBe(404);
  });
});

describe('OrdsClient.runSql', () => {
  const STATEMENT = 'DROP TABLE "DBAPI_USER"."DATAPUMP_REST_EXPORT_20261201020000" PURGE';

  it('posts the script as statementText to _/sql under the configured URL, with the same credentials', async () => {
    // GIVEN REST-enabled SQL that runs the statement
    const { ords, client, calls } = setup();
    ords
      .intercept({ path: `${ALIAS}/_/sql`, method: 'POST' })
      .reply(200, { items: [{ statementId: 1, result: 0 }] }, { headers: JSON_HEADERS });

    // WHEN one statement is run
    const results = await client.runSql([STATEMENT]);

    // THEN it went to …/_/sql as JSON with Basic auth, and succeeded
    expect(results).toEqual([{ ok: true, statement: STATEMENT }]);
    const [call] = calls();
    expect(call?.origin).toBe(ORIGIN);
    expect(JSON.parse(String(call?.body))).toEqual({ statementText: `${STATEMENT};` });
    expect(headerOf(call!, 'authorization')).toMatch(/^Basic /);
    expect(headerOf(call!, 'content-type')).toBe('application/json');
  });

  it('fails with a 404 request error when REST-enabled SQL is disabled', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: `${ALIAS}/_/sql`, method: 'POST' }).reply(404, 'Not Found');

    const error = await caught(client.runSql([STATEMENT]));

    expect(error).toBeInstanceOf(OrdsRequestError);
    expect(isOrdsNotFound(error)).toBe(true);
    expect(error.message).toContain('/_/sql');
  });
});

describe('OrdsClient.runSqlRequest', () => {
  const REQUEST = {
    statementText: 'BEGIN :scn_out := 42; END;',
    binds: [
      { name: 'scn_out', data_type: 'NUMBER' as const, mode: 'out' as const },
      { name: 'job_name', data_type: 'VARCHAR2' as const, value: "ODBK_X'; DROP TABLE T; --" },
    ],
  };

  it('posts the block framed as a script with its binds untouched, and returns the answer as it came', async () => {
    // GIVEN REST-enabled SQL that runs the block and fills its OUT bind
    const { ords, client, calls } = setup();
    const answer = {
      items: [{ statementId: 1, binds: [{ name: 'scn_out', data_type: 'NUMBER', result: 42 }] }],
    };
    ords.intercept({ path: `${ALIAS}/_/sql`, method: 'POST' }).reply(200, answer, { headers: JSON_HEADERS });

    // WHEN the request is sent
    const json = await client.runSqlRequest(REQUEST);

    // THEN the hostile value travelled as a bind, never in the statement text, with Basic auth
    expect(json).toEqual(answer);
    const [call] = calls();
    expect(JSON.parse(String(call?.body))).toEqual({
      statementText: 'BEGIN :scn_out := 42; END;\n/',
      binds: REQUEST.binds,
    });
    expect(headerOf(call!, 'authorization')).toMatch(/^Basic /);
  });

  it('fails with a 404 request error when REST-enabled SQL is disabled', async () => {
    const { ords, client } = setup();
    ords.intercept({ path: `${ALIAS}/_/sql`, method: 'POST' }).reply(404, 'Not Found');

    const error = await caught(client.runSqlRequest(REQUEST));

    expect(isOrdsNotFound(error)).toBe(true);
    expect(error.message).toContain('/_/sql');
  });
});
