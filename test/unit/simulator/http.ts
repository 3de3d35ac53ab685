import { request } from 'undici';
import type { OrdsSimulator } from '../../../simulator/index.js';

/** Small HTTP helpers for the simulator's tests: undici on loopback, bodies read whole. */

/** An answer with its body read. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** `Authorization` value for Basic credentials. */
export function basic(user = 'DBAPI_USER', password = 'secret-password'): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The Data Pump API root of a simulator: `<url>_/db-api/stable/database/datapump/`. */
export function datapump(sim: OrdsSimulator, version = 'stable'): string {
  return `${sim.url}_/db-api/${version}/database/datapump/`;
}

/** Sends a request and reads the whole answer. */
export async function call(
  url: string,
  options: {
    readonly method?: 'GET' | 'POST';
    readonly headers?: Record<string, string>;
    readonly body?: string;
    readonly auth?: string | null;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const auth = options.auth === undefined ? basic() : options.auth;
  if (auth !== null) headers.authorization = auth;
  const answer = await request(url, { method: options.method ?? 'GET', headers, body: options.body });
  const body = Buffer.from(await answer.body.arrayBuffer());
  const text = body.toString('utf8');
  return {
    status: answer.statusCode,
    headers: answer.headers,
    body,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** `POST …/datapump/export` with a JSON body. */
export function postExport(
  sim: OrdsSimulator,
  body: Record<string, unknown> = {},
  auth?: string,
): Promise<Answer> {
  return call(`${datapump(sim)}export`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(auth === undefined ? {} : { auth }),
  });
}

/** A link of a job object. */
export interface Link {
  readonly rel: string;
  readonly href: string;
}

/** The `links` of a job object. */
export function linksOf(answer: Answer): Link[] {
  return answer.json<{ links: Link[] }>().links;
}

/** Polls a job URL until `state` is NOT RUNNING (or 404); returns the last answer. */
export async function pollUntilFinished(jobUrl: string, maxPolls = 20): Promise<Answer> {
  for (let poll = 0; poll < maxPolls; poll++) {
    const answer = await call(jobUrl);
    if (answer.status !== 200 || answer.json<{ state: string }>().state.trim() === 'NOT RUNNING')
      return answer;
  }
  throw new Error(`job ${jobUrl} still running after ${maxPolls} polls`);
}
