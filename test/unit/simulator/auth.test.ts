import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { basic, call, datapump, postExport } from './http.js';

let clock: Date;
let sim: OrdsSimulator;

beforeEach(async () => {
  clock = new Date('2026-11-23T02:00:00Z');
  sim = await startOrdsSimulator({
    now: () => clock,
    forbiddenUsers: ['READER'],
    users: { DBAPI_USER: 'secret-password', reader: 'pw' },
  });
});

afterEach(async () => {
  await sim.stop();
});

async function token(clientId = 'backup-client', secret = 'backup-client-secret') {
  return call(`${sim.url}oauth/token`, {
    method: 'POST',
    auth: basic(clientId, secret),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
}

describe('basic authentication', () => {
  it('fails with 401 and a Basic challenge for a wrong password', async () => {
    const answer = await call(`${datapump(sim)}jobs/`, { auth: basic('DBAPI_USER', 'wrong') });

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic realm="Oracle REST Data Services"');
    expect(answer.json()).toMatchObject({
      code: 'Unauthorized',
      type: 'tag:oracle.com,2020:error/Unauthorized',
    });
  });

  it('fails with 401 without credentials', async () => {
    const answer = await call(`${datapump(sim)}jobs/`, { auth: null });

    expect(answer.status).toBe(401);
  });

  it('fails with 403 for a user without the role', async () => {
    const answer = await call(`${datapump(sim)}jobs/`, { auth: basic('reader', 'pw') });

    expect(answer.status).toBe(403);
    expect(answer.json()).toMatchObject({ code: 'Forbidden' });
  });

  it('makes the upper-cased user the job owner', async () => {
    const answer = await postExport(sim, {}, basic('dbapi_user', 'secret-password'));

    expect(answer.json()).toMatchObject({ owner_name: 'DBAPI_USER' });
  });

  it('records authorization headers reduced to their scheme', async () => {
    await call(`${datapump(sim)}jobs/`);

    expect(sim.requests[0]?.headers.authorization).toBe('Basic ***');
  });
});

describe('OAuth2 client credentials', () => {
  it('issues a bearer token that authorizes API calls, owned by oauthOwner', async () => {
    sim.configure({ oauthOwner: 'backup_owner' });

    const issued = await token();
    const accessToken = issued.json<{ access_token: string }>().access_token;
    const created = await postExport(sim, {}, `Bearer ${accessToken}`);

    expect(issued.status).toBe(200);
    expect(issued.json()).toEqual({ access_token: accessToken, token_type: 'bearer', expires_in: 3600 });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ owner_name: 'BACKUP_OWNER' });
    expect(sim.requests.map((request) => request.headers.authorization)).toEqual(['Basic ***', 'Bearer ***']);
  });

  it('fails with 401 and an invalid_token challenge once the token expired', async () => {
    sim.configure({ tokenTtlSeconds: 60 });
    const accessToken = (await token()).json<{ access_token: string }>().access_token;
    clock = new Date(clock.getTime() + 60_000);

    const answer = await call(`${datapump(sim)}jobs/`, { auth: `Bearer ${accessToken}` });

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(
      'Bearer realm="Oracle REST Data Services", error="invalid_token"',
    );
  });

  it('fails with 401 at the token route for a wrong client secret', async () => {
    const answer = await token('backup-client', 'wrong');

    expect(answer.status).toBe(401);
  });

  it('fails with 400 at the token route for another grant type', async () => {
    const answer = await call(`${sim.url}oauth/token`, {
      method: 'POST',
      auth: basic('backup-client', 'backup-client-secret'),
      body: 'grant_type=password',
    });

    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ error: 'unsupported_grant_type' });
  });

  it('fails with 403 for a forbidden client id', async () => {
    sim.configure({ forbiddenUsers: ['backup-client'] });
    const accessToken = (await token()).json<{ access_token: string }>().access_token;

    const answer = await call(`${datapump(sim)}jobs/`, { auth: `Bearer ${accessToken}` });

    expect(answer.status).toBe(403);
  });
});
