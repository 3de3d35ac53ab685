import { OrdsRequestError, OrdsUnavailableError } from '../base/index.js';

/**
 * Turning ORDS error answers and network failures into this project's errors, with messages a user
 * can act on: status, method, URL and a short sanitized snippet of what ORDS said.
 */

/** Longest body snippet quoted in a message. */
export const MAX_SNIPPET_CHARS = 500;

/**
 * An `OrdsRequestError` that carries the HTTP status ORDS answered (404, 405, 416, a 3xx, …), so
 * callers can tell "no such job or file" from other refusals. Its `name` stays `OrdsRequestError`.
 */
export class OrdsHttpRequestError extends OrdsRequestError {
  readonly status: number;
  /** What ORDS said in the error body (sanitized, one line), empty when nothing. */
  readonly said: string;

  constructor(message: string, status: number, said = '', options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.said = said;
  }
}

/** Export fields that older ORDS versions do not know, with the versions that accept them. */
const VERSIONED_EXPORT_FIELDS: ReadonlyArray<{ readonly field: string; readonly accepted: string }> = [
  {
    field: 'file_name',
    accepted:
      'ORDS 22.3 and later document file_name for exports (19c–22.2 do not); upgrade ORDS — this project ' +
      "needs file_name to name each run's dump files",
  },
  {
    field: 'keep_master',
    accepted:
      'ORDS 25.x and later document keep_master; upgrade ORDS — without it Data Pump drops a successful ' +
      "job's control table and ORDS may answer 404 for the job before its files are copied",
  },
];

/**
 * The advice for a 400 answer to the export POST that names a field older ORDS versions refuse
 * (`file_name`, `keep_master`), or null when ORDS named neither.
 */
export function refusedExportField(said: string): { readonly field: string; readonly advice: string } | null {
  const found = VERSIONED_EXPORT_FIELDS.find(({ field }) => new RegExp(`\\b${field}\\b`, 'i').test(said));
  return found
    ? {
        field: found.field,
        advice: `ORDS refused the export field "${found.field}": ${found.accepted}`,
      }
    : null;
}

/**
 * The versioned export field (`file_name`, `keep_master`) that a 400 answer to the export POST names,
 * or null for any other error: lets the caller retry without a field an older ORDS refuses.
 */
export function refusedFieldOf(error: unknown): string | null {
  if (!(error instanceof OrdsHttpRequestError) || error.status !== 400) return null;
  return refusedExportField(error.said)?.field ?? null;
}

/**
 * An `OrdsUnavailableError` for an HTTP answer (5xx, 429), with its status. Network failures (no
 * answer at all) stay plain `OrdsUnavailableError`s. Its `name` stays `OrdsUnavailableError`.
 */
export class OrdsHttpUnavailableError extends OrdsUnavailableError {
  readonly status: number;

  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/**
 * True when a failed POST may still have created its job: no answer arrived (a reset, a timeout) or a
 * gateway answered in ORDS's place (500, 502, 504). A 503 or 429 is ORDS refusing before it ran the
 * request (its pool was exhausted), and a 4xx creates no job.
 */
export function mayHaveCreatedJob(error: unknown): boolean {
  if (!(error instanceof OrdsUnavailableError)) return false;
  return !(error instanceof OrdsHttpUnavailableError) || [500, 502, 504].includes(error.status);
}

/** True when `error` says ORDS answered 404 (no such job, file or route). */
export function isOrdsNotFound(error: unknown): boolean {
  return error instanceof OrdsHttpRequestError && error.status === 404;
}

/**
 * Collapses whitespace, removes control characters, masks anything that looks like credentials
 * (`Basic …`, `Bearer …`, `password=…`) and cuts the text to `MAX_SNIPPET_CHARS`.
 */
export function sanitizeSnippet(text: string, maxChars = MAX_SNIPPET_CHARS): string {
  const clean = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***')
    .replace(
      /\b(password|passwd|pwd|client_secret|access_token)(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi,
      '$1$2***',
    )
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
}

/**
 * What an ORDS error body says, readable in one line: `code: message (title) [instance]` for
 * `application/problem+json`, the `<title>`/`<h1>` text of an HTML page, else the plain text.
 * Empty when the body is empty.
 */
export function describeErrorBody(contentType: string | undefined, body: string): string {
  const text = body.trim();
  if (text === '') return '';
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json') || text.startsWith('{')) {
    const problem = describeProblem(text);
    if (problem !== null) return sanitizeSnippet(problem);
  }
  if (type.includes('html') || /^<(!doctype|html|head|body)\b/i.test(text)) {
    return sanitizeSnippet(describeHtml(text));
  }
  return sanitizeSnippet(text);
}

function describeProblem(text: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const field = (key: string): string | undefined => {
    const value = (json as Record<string, unknown>)[key];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const code = field('code');
  const message = field('message');
  const title = field('title');
  const type = field('type');
  const instance = field('instance');
  const parts: string[] = [];
  if (code && message && code !== message) parts.push(`${code}: ${message}`);
  else if (message || code) parts.push((message ?? code) as string);
  if (title && title !== code && title !== message) parts.push(parts.length > 0 ? `(${title})` : title);
  if (parts.length === 0 && type) parts.push(type);
  if (parts.length === 0) return null;
  // The instance (an ECID) lets Oracle support find the request in the ORDS logs.
  if (instance) parts.push(`[${instance}]`);
  return parts.join(' ');
}

function describeHtml(html: string): string {
  const title = textOf(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]);
  const heading = textOf(/<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1]);
  if (title && heading && title !== heading) return `${title} — ${heading}`;
  if (title || heading) return (title || heading) as string;
  return textOf(html.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')) ?? '';
}

function textOf(html: string | undefined): string | undefined {
  if (html === undefined) return undefined;
  const text = html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&amp;/gi, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

/**
 * Network error codes that mean "ORDS cannot be reached right now": retried by the state machine.
 * Undici's own codes cover its connect, headers and body timeouts and sockets closed mid-answer.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** TLS verification failures: fixed by the secret's `caBundle` or the server's certificate. */
const TLS_CODE = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;

/** The first `code` found on an error, its `cause` chain or an AggregateError's `errors`. */
export function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  const nested = [
    (error as { cause?: unknown }).cause,
    ...(Array.isArray((error as { errors?: unknown }).errors) ? (error as { errors: unknown[] }).errors : []),
  ];
  for (const inner of nested) {
    const found = errorCode(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** True for an abort through the caller's `AbortSignal`: passed on unchanged. */
export function isAbort(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' || errorCode(error) === 'UND_ERR_ABORTED')
  );
}

/**
 * Maps a failure to reach ORDS (no HTTP answer) to `OrdsUnavailableError` (transient codes) or
 * `OrdsRequestError` (TLS verification, unknown host, anything else a retry cannot fix). The
 * original error is kept as `cause`.
 */
export function networkError(error: unknown, method: string, url: URL): Error {
  const code = errorCode(error) ?? 'unknown';
  const detail = sanitizeSnippet(error instanceof Error ? error.message : String(error), 200);
  const what = `${method} ${url.href} failed before ORDS answered (${code}: ${detail})`;
  if (TRANSIENT_CODES.has(code)) return new OrdsUnavailableError(what, { cause: error });
  if (TLS_CODE.test(code)) {
    return new OrdsRequestError(
      `${what}: the server's TLS certificate is not trusted — for a private CA add its PEM certificate ` +
        'as "caBundle" to the secret',
      { cause: error },
    );
  }
  if (code === 'ENOTFOUND') {
    return new OrdsRequestError(`${what}: the host name does not resolve — check the ORDS URL`, {
      cause: error,
    });
  }
  return new OrdsRequestError(what, { cause: error });
}
