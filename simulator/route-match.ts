import type { IncomingMessage } from 'node:http';
import type { ApiUrls } from './job-json.js';
import type { SimulatorOptions } from './simulator-options.js';

/**
 * Which route a request asks for: the Data Pump routes of the Database API
 * (`<basePath>_/db-api/<stable|latest>/database/datapump/…`), REST-enabled SQL (`<basePath>_/sql`)
 * and the OAuth2 token route (`<basePath>oauth/token`), with trailing slashes exactly as ORDS has them.
 */

/** A route the simulator serves. */
export type Route =
  | { readonly kind: 'token' }
  | { readonly kind: 'post'; readonly operation: 'EXPORT' | 'IMPORT' | null }
  | { readonly kind: 'list' }
  | { readonly kind: 'sql' }
  | { readonly kind: 'job'; readonly owner: string; readonly jobName: string }
  | {
      readonly kind: 'download';
      readonly owner: string;
      readonly jobName: string;
      readonly fileName: string;
    };

/** A known path: its route for the request's method, and the URLs its answer links to. */
export interface MatchedRoute {
  /** The route, or null when the path is known but the method is not (405). */
  readonly route: Route | null;
  readonly urls: ApiUrls;
}

const DATAPUMP = /^_\/db-api\/(stable|latest)\/database\/datapump\/(.*)$/;

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** `OWNER,JOB` (the comma literal or `%2C`) → its parts. */
function parseJobId(segment: string): { owner: string; jobName: string } | null {
  const decoded = decode(segment);
  if (decoded === null) return null;
  const comma = decoded.indexOf(',');
  if (comma <= 0 || comma === decoded.length - 1) return null;
  return { owner: decoded.slice(0, comma), jobName: decoded.slice(comma + 1) };
}

/** The Database API URLs answers link to, under `linkBasePath` when a gateway rewrites the path. */
function apiUrls(origin: string, version: string, options: SimulatorOptions): ApiUrls {
  // Behind a path-rewriting gateway links carry another path than the one requests use.
  const apiRoot = `${origin}${options.linkBasePath ?? options.basePath}_/db-api/${version}/`;
  return { apiRoot, jobsUrl: `${apiRoot}database/datapump/jobs/` };
}

/**
 * The route of a request, or null for an unknown path (404). Links use `linkOrigin`, else the
 * request's `Host` header, else `serverAddress()`.
 */
export function matchRoute(
  req: IncomingMessage,
  options: SimulatorOptions,
  serverAddress: () => string,
): MatchedRoute | null {
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const linkOrigin = options.linkOrigin ?? `http://${req.headers.host ?? serverAddress()}`;
  if (!url.pathname.startsWith(options.basePath)) return null;
  const rest = url.pathname.slice(options.basePath.length);
  const method = req.method ?? 'GET';
  if (rest === '_/sql') {
    return {
      route: method === 'POST' ? { kind: 'sql' } : null,
      urls: apiUrls(linkOrigin, 'stable', options),
    };
  }
  if (rest === 'oauth/token') {
    return {
      route: method === 'POST' ? { kind: 'token' } : null,
      urls: apiUrls(linkOrigin, 'stable', options),
    };
  }
  const api = DATAPUMP.exec(rest);
  if (!api) return null;
  const [, version = 'stable', tail = ''] = api;
  const urls = apiUrls(linkOrigin, version, options);
  if (tail === 'export' || tail === 'import') {
    const operation = tail === 'export' ? 'EXPORT' : 'IMPORT';
    return { route: method === 'POST' ? { kind: 'post', operation } : null, urls };
  }
  if (tail === 'jobs/') {
    if (method === 'GET') return { route: { kind: 'list' }, urls };
    return { route: method === 'POST' ? { kind: 'post', operation: null } : null, urls };
  }
  const jobMatch = /^jobs\/([^/]+)\/([^/]*)$/.exec(tail);
  const id = jobMatch?.[1] ? parseJobId(jobMatch[1]) : null;
  if (!jobMatch || !id) return null;
  const fileName = decode(jobMatch[2] ?? '');
  if (fileName === null) return null;
  const route: Route = fileName === '' ? { kind: 'job', ...id } : { kind: 'download', ...id, fileName };
  return { route: method === 'GET' ? route : null, urls };
}
