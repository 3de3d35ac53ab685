import { type Agent, request } from 'undici';
import { createOrdsAgent, type OrdsTimeouts } from './ords-agent.js';
import type { Logger, OrdsApi, OrdsSecret } from './ords-api.js';
import { OrdsClient } from './ords-client.js';
import { readAtMost } from './ords-response.js';
import type { RestSqlApi, SqlRequestApi } from './rest-sql.js';

/**
 * One connection pool to one ORDS, shared by an `OrdsClient` and raw probes: requests whose answer
 * the doctor reads as it comes (any status, any body), e.g. a request without credentials to see
 * whether ORDS answers at all. Both trust the same certificates (the secret's `caBundle`).
 */

/** A request sent as it is: no retries, no status checks. */
export interface ProbeRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  /** `Authorization` header; none when omitted. */
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body?: string;
}

/** What ORDS (or whatever listens there) answered to a probe. */
export interface ProbeAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly wwwAuthenticate: string | undefined;
  readonly location: string | undefined;
  /** The body as text, at most `MAX_PROBE_BODY_BYTES`. */
  readonly body: string;
}

/** An ORDS client and a probe over one pool; `close` ends the pool. */
export interface OrdsConnection {
  readonly client: OrdsApi & RestSqlApi & SqlRequestApi;
  /** Sends one request; a network failure rejects with undici's own error (its `code` says why). */
  probe(probe: ProbeRequest): Promise<ProbeAnswer>;
  close(): Promise<void>;
}

/** Longest part of a probe's body that is read. */
export const MAX_PROBE_BODY_BYTES = 64 * 1024;

/** Timeouts of the doctor's requests: short, so a dead route is reported within its invocation. */
export const PROBE_TIMEOUTS: Required<OrdsTimeouts> = { connectMs: 5_000, headersMs: 20_000, bodyMs: 20_000 };

/** Options of `connectOrds`. */
export interface OrdsConnectionOptions {
  readonly baseUrl: string;
  readonly secret: OrdsSecret;
  readonly secretId: string;
  /** @default - no logging */
  readonly logger?: Logger;
  /** @default PROBE_TIMEOUTS */
  readonly timeouts?: OrdsTimeouts;
}

/** Opens a pool to ORDS (TLS verified, the secret's `caBundle` trusted) for a client and probes. */
export function connectOrds(options: OrdsConnectionOptions): OrdsConnection {
  const timeouts = { ...PROBE_TIMEOUTS, ...options.timeouts };
  const agent: Agent = createOrdsAgent(options.secret, timeouts);
  const client = new OrdsClient({
    baseUrl: options.baseUrl,
    secret: options.secret,
    secretId: options.secretId,
    dispatcher: agent,
    timeouts,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    client,
    probe: (probe) => sendProbe(agent, probe),
    close: () => agent.close(),
  };
}

async function sendProbe(agent: Agent, probe: ProbeRequest): Promise<ProbeAnswer> {
  const response = await request(probe.url, {
    method: probe.method,
    headers: {
      accept: 'application/json',
      'user-agent': 'ords-datapump-backup-doctor',
      ...(probe.authorization ? { authorization: probe.authorization } : {}),
      ...(probe.contentType ? { 'content-type': probe.contentType } : {}),
    },
    body: probe.body ?? null,
    dispatcher: agent,
  });
  const body = await readAtMost(response, MAX_PROBE_BODY_BYTES);
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    status: response.statusCode,
    contentType: header('content-type'),
    wwwAuthenticate: header('www-authenticate'),
    location: header('location'),
    body,
  };
}
