import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrdsRequestError, OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import type { OrdsSecret } from '../../../../functions/core/ords/ords-api.js';
import { OrdsClient } from '../../../../functions/core/ords/ords-client.js';
import { fixtureText } from './fixtures.js';

const SECRET: OrdsSecret = { credentials: { kind: 'basic', username: 'DBAPI_USER', password: 'pw' } };

const servers: Server[] = [];
const clients: OrdsClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function client(
  baseUrl: string,
  options: Partial<ConstructorParameters<typeof OrdsClient>[0]> = {},
): OrdsClient {
  const created = new OrdsClient({ baseUrl, secret: SECRET, ...options });
  clients.push(created);
  return created;
}

const answerJob: RequestListener = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(fixtureText('job-created.json'));
};

describe("OrdsClient within an invocation's time", () => {
  it('stops waiting for a silent ORDS before the invocation ends, as ORDS unavailable', async () => {
    // GIVEN an ORDS that never answers, and an invocation with 4 s left
    const port = await listen(createHttpServer(() => {}));
    const ords = client(`http://127.0.0.1:${port}/ords/dbapi_user/`);
    const deadline = Date.now() + 4_000;
    ords.setRemainingTime(() => deadline - Date.now());

    // WHEN a job is read, THEN it fails in time, retryable, well before the 60 s header timeout
    const started = Date.now();
    const error = await ords.getJob('DBAPI_USER', 'J1').catch((e: Error) => e);
    expect(error).toBeInstanceOf(OrdsUnavailableError);
    expect(Date.now()).toBeLessThan(deadline);
    expect(Date.now() - started).toBeGreaterThan(1_000);
  });

  it('sends nothing when the invocation has no time left', async () => {
    let requests = 0;
    const port = await listen(
      createHttpServer((_request, response) => {
        requests++;
        answerJob(_request, response);
      }),
    );
    const ords = client(`http://127.0.0.1:${port}/ords/dbapi_user/`);
    ords.setRemainingTime(() => 0);

    await expect(ords.getJob('DBAPI_USER', 'J1')).rejects.toBeInstanceOf(OrdsUnavailableError);
    expect(requests).toBe(0);
  });
});

describe('OrdsClient over loopback HTTP', () => {
  it('reads a job through its own connection pool', async () => {
    const port = await listen(createHttpServer(answerJob));

    const job = await client(`http://127.0.0.1:${port}/ords/dbapi_user/`).getJob('DBAPI_USER', 'J1');

    expect(job?.state).toBe('EXECUTING');
  });

  it('fails with OrdsUnavailableError when the connection is refused', async () => {
    const port = await listen(createHttpServer(answerJob));
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));

    const error = await client(`http://127.0.0.1:${port}/ords/dbapi_user/`)
      .getJob('DBAPI_USER', 'J1')
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );

    expect(error).toBeInstanceOf(OrdsUnavailableError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.cause).toBeDefined();
  });

  it('fails with OrdsUnavailableError when the headers do not come in time', async () => {
    const port = await listen(createHttpServer(() => undefined));

    const error = await client(`http://127.0.0.1:${port}/ords/dbapi_user/`, { timeouts: { headersMs: 200 } })
      .getJob('DBAPI_USER', 'J1')
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );

    expect(error).toBeInstanceOf(OrdsUnavailableError);
    expect(error.message).toContain('UND_ERR_HEADERS_TIMEOUT');
  });

  it('fails with OrdsUnavailableError when a JSON body stalls', async () => {
    const port = await listen(
      createHttpServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).write('{"job_name":');
      }),
    );

    const error = await client(`http://127.0.0.1:${port}/ords/dbapi_user/`, { timeouts: { bodyMs: 200 } })
      .getJob('DBAPI_USER', 'J1')
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );

    expect(error).toBeInstanceOf(OrdsUnavailableError);
    expect(error.message).toContain('UND_ERR_BODY_TIMEOUT');
  });

  it('pages a proxied job list on the configured origin, whatever host its links name', async () => {
    const paths: string[] = [];
    const port = await listen(
      createHttpServer((request, response) => {
        paths.push(request.url ?? '');
        const page = paths.length === 1 ? 'job-list-page-1.json' : 'job-list-page-2.json';
        // The recorded pages link http://ords-internal:8080/ords/pdb1/dbapi_user/…
        response.writeHead(200, { 'content-type': 'application/json' }).end(fixtureText(page));
      }),
    );

    const jobs = await client(`http://127.0.0.1:${port}/ords/pdb1/dbapi_user/`).listJobs();

    expect(jobs).toHaveLength(4);
    expect(paths).toEqual([
      '/ords/pdb1/dbapi_user/_/db-api/stable/database/datapump/jobs/',
      '/ords/pdb1/dbapi_user/_/db-api/stable/database/datapump/jobs/?offset=2&limit=2',
    ]);
  });
});

// Needs the openssl command (Debian's openssl package, present on the project's machines).
describe('OrdsClient over HTTPS with a private CA', () => {
  let dir: string;
  let key: string;
  let cert: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ords-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the secret caBundle in addition to the root certificates', async () => {
    const port = await listen(createHttpsServer({ key, cert }, answerJob));

    const job = await client(`https://127.0.0.1:${port}/ords/dbapi_user/`, {
      secret: { ...SECRET, caBundle: cert },
    }).getJob('DBAPI_USER', 'J1');

    expect(job?.jobName).toBe('DATAPUMP_REST_EXPORT_20261123020001');
  });

  it('fails for an untrusted certificate and points to caBundle', async () => {
    const port = await listen(createHttpsServer({ key, cert }, answerJob));

    const error = await client(`https://127.0.0.1:${port}/ords/dbapi_user/`)
      .getJob('DBAPI_USER', 'J1')
      .then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );

    expect(error).toBeInstanceOf(OrdsRequestError);
    expect(error.message).toContain('"caBundle"');
  });
});
