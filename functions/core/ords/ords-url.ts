/**
 * The configured ORDS URL and every URL built from it. The client only ever requests URLs built
 * here: links in ORDS answers give file names only, so credentials never reach another origin.
 */

const EXPECTED = 'expected https://host[:port]/ords/[db/]schema-alias/';

/**
 * Parses and normalizes the configured ORDS URL (`https://host[:port]/ords/[db/]schema-alias/`):
 * http(s) only, `http:` only for loopback hosts, no user:password@, no query, no fragment, a path
 * below the root; a trailing `/` is added. Throws a plain `Error` naming the value and what is
 * allowed (the configuration validator reuses it).
 */
export function parseOrdsUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`ORDS URL "${value}" is not a valid URL: ${EXPECTED}`);
  }
  if (url.username !== '' || url.password !== '') {
    // Shown without the credentials: this message ends up in logs and synth errors.
    throw new Error(
      `ORDS URL "${withoutUserInfo(url)}" must not contain user:password@: put the credentials in the secret`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`ORDS URL "${value}" uses ${url.protocol} — only https: is allowed (${EXPECTED})`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new Error(
      `ORDS URL "${value}" uses http: — only https: is allowed, http: only for loopback hosts ` +
        '(localhost, 127.0.0.0/8, [::1])',
    );
  }
  if (url.search !== '' || value.includes('?')) {
    throw new Error(`ORDS URL "${value}" must not contain a query (?…): ${EXPECTED}`);
  }
  if (url.hash !== '' || value.includes('#')) {
    throw new Error(`ORDS URL "${value}" must not contain a fragment (#…): ${EXPECTED}`);
  }
  if (url.pathname === '/' || url.pathname === '') {
    throw new Error(`ORDS URL "${value}" has no path: ${EXPECTED}`);
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** True for `localhost`, 127.0.0.0/8 and `[::1]` (the only hosts plain `http:` is allowed for). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  // The WHATWG URL parser has already normalized IPv4 forms such as `127.1` to dotted quads.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function withoutUserInfo(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace('//', '//***@');
}

const DATAPUMP = '_/db-api/stable/database/datapump/';

/** `…/database/datapump/export`: creates and starts an export job. */
export function exportUrl(base: URL): URL {
  return new URL(`${DATAPUMP}export`, base);
}

/** `…/database/datapump/import`: starts an import job (restore drills). */
export function importUrl(base: URL): URL {
  return new URL(`${DATAPUMP}import`, base);
}

/** `…/database/datapump/jobs/`: the job list. */
export function jobsUrl(base: URL): URL {
  return new URL(`${DATAPUMP}jobs/`, base);
}

/** `…/database/datapump/jobs/{OWNER},{JOB}/`: one job (the comma is literal, each part encoded). */
export function jobUrl(base: URL, owner: string, jobName: string): URL {
  return new URL(`${DATAPUMP}jobs/${jobId(owner, jobName)}/`, base);
}

/** `…/database/datapump/jobs/{OWNER},{JOB}/{file}`: a log or dump file of a job. */
export function jobFileUrl(base: URL, owner: string, jobName: string, fileName: string): URL {
  return new URL(`${DATAPUMP}jobs/${jobId(owner, jobName)}/${encodeURIComponent(fileName)}`, base);
}

/** `…/oauth/token`: the OAuth2 token endpoint of the schema alias. */
export function tokenUrl(base: URL): URL {
  return new URL('oauth/token', base);
}

/** `…/_/sql`: REST-enabled SQL of the schema alias. */
export function sqlUrl(base: URL): URL {
  return new URL('_/sql', base);
}

function jobId(owner: string, jobName: string): string {
  return `${encodeURIComponent(owner)},${encodeURIComponent(jobName)}`;
}

/** True when `url` is on base's origin and under its path: the client's last check before sending. */
export function isUnderBase(base: URL, url: URL): boolean {
  return url.origin === base.origin && url.pathname.startsWith(base.pathname) && url.username === '';
}
