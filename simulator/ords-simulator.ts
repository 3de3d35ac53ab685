import { once } from 'node:events';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator, BASIC_CHALLENGE } from './authenticator.js';
import { DatabaseUsers, oracleIsoTime, type SimulatedUser } from './database-users.js';
import { type ContentSource, contentSource } from './file-content.js';
import { type ApiUrls, jobJson, jobUrl } from './job-json.js';
import { JobStore, type SimulatedJob, type SimulatedJobView } from './job-store.js';
import { noiseJobs } from './list-noise.js';
import { errorBody, etagOf, sendJson, sendText } from './responses.js';
import { runScript, type SqlDatabase } from './rest-sql.js';
import {
  defaultSimulatorOptions,
  type JobOutcome,
  type RouteKind,
  type SimulatorOptions,
  validateSimulatorOptions,
} from './simulator-options.js';

/** One request the simulator received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, as sent. */
  readonly path: string;
  /** Request headers (lower-case names); `authorization` is reduced to its scheme, e.g. `Basic ***`. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body of a Database API POST (never recorded for the token route, which may carry secrets). */
  readonly body?: string;
  /** Status sent, or null while unanswered (or never answered: `postHangAfterCreate`). */
  readonly status: number | null;
  /** Arrival on the simulator clock. */
  readonly time: Date;
  /** The fault injected into this request, if any. */
  readonly fault?: 'transient' | 'reset' | 'truncate' | 'hang';
}

/** A recorded request while the simulator still fills in its status and fault. */
type RequestRecord = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** A running ORDS simulator. */
export interface OrdsSimulator {
  /** The ORDS URL users configure: `http://127.0.0.1:PORT/ords/pdb1/dbapi_user/` (ends with `/`). */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Changes switches at run time; they affect later requests and jobs created afterwards. */
  configure(changes: Partial<SimulatorOptions>): void;
  /** Every request received so far, in arrival order (a live array: `requests.length = 0` clears it). */
  readonly requests: RecordedRequest[];
  /** Every job created so far (dropped ones too), brought up to date with the clock. */
  jobs(): SimulatedJobView[];
  /** The database's users now (ALL_USERS): `databaseUsers` plus the schemas imports created. */
  users(): SimulatedUser[];
  /** Closes the server and every open connection (keep-alive, hanging POSTs, running downloads). */
  stop(): Promise<void>;
}

type Route =
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

interface Matched {
  /** The route, or null when the path is known but the method is not (405). */
  readonly route: Route | null;
  readonly urls: ApiUrls;
}

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly record: RequestRecord;
  readonly body: string;
}

/** A download fault: after `bytes` body bytes, destroy the socket (`reset`) or end the body (`truncate`). */
interface Cut {
  readonly bytes: number;
  readonly mode: 'reset' | 'truncate';
}

/** Bytes per `res.write` of a download: large enough for multi-GB/s on loopback. */
const WRITE_BYTES = 256 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
const DATAPUMP = /^_\/db-api\/(stable|latest)\/database\/datapump\/(.*)$/;

function redact(headers: IncomingMessage['headers']): Record<string, string | string[] | undefined> {
  const copy: Record<string, string | string[] | undefined> = { ...headers };
  if (typeof copy.authorization === 'string') copy.authorization = `${copy.authorization.split(/\s/)[0]} ***`;
  return copy;
}

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

function parseRange(
  header: string | undefined,
  total: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, total - suffix), end: total - 1 };
  }
  const start = Number(first);
  if (start >= total) return 'unsatisfiable';
  const end = last === '' ? total - 1 : Math.min(Number(last), total - 1);
  return end < start ? null : { start, end };
}

/**
 * Starts an HTTP server that behaves like the Data Pump routes of the ORDS Database API (see README.md
 * in this folder).
 */
export async function startOrdsSimulator(initial: Partial<SimulatorOptions> = {}): Promise<OrdsSimulator> {
  let options: SimulatorOptions = { ...defaultSimulatorOptions(), ...initial };
  validateSimulatorOptions(options);
  const current = () => options;
  const users = new DatabaseUsers(options.databaseUsers);
  const store = new JobStore(current, users);
  const database: SqlDatabase = {
    removeFile: (directory, fileName) => store.removeFile(directory, fileName),
    dropTable: (caller, owner, table) => store.dropTable(caller, owner, table),
    hasDirectory: (directory) => store.hasDirectory(directory),
    queryUser: (username) => {
      const created = users.find(username)?.created;
      return { dbTime: oracleIsoTime(options.now()), created: created ? oracleIsoTime(created) : null };
    },
    dropUser: (caller, username) => users.drop(caller, username),
  };
  const requests: RequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let transientRemaining = 0;
  let resetRemaining = 0;
  let truncateRemaining = 0;
  let hangRemaining = 0;
  let outcomeQueue: JobOutcome[] = [];
  let exportNumber = 0;

  const resetCounters = (changes: Partial<SimulatorOptions>) => {
    if ('transientFailures' in changes) transientRemaining = options.transientFailures?.count ?? 0;
    if ('resetDownloadAfterBytes' in changes || 'resetCount' in changes) resetRemaining = options.resetCount;
    if ('truncateDownloadAfterBytes' in changes || 'truncateCount' in changes)
      truncateRemaining = options.truncateCount;
    if ('postHangAfterCreate' in changes) {
      const hang = options.postHangAfterCreate;
      hangRemaining =
        typeof hang === 'object' ? (hang.count ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    }
    if ('outcome' in changes) outcomeQueue = typeof options.outcome === 'object' ? [...options.outcome] : [];
  };
  resetCounters(options);

  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  const pickOutcome = (): JobOutcome => {
    exportNumber += 1;
    const setting = options.outcome;
    if (typeof setting === 'string') return setting;
    if (typeof setting === 'function') return setting(exportNumber);
    return outcomeQueue.shift() ?? 'success';
  };

  const begin = (exchange: Exchange, status: number, headers: OutgoingHttpHeaders) => {
    exchange.record.status = status;
    exchange.res.writeHead(status, headers);
  };

  const sendError = (
    exchange: Exchange,
    status: number,
    message: string,
    headers: OutgoingHttpHeaders = {},
  ) => {
    exchange.record.status = status;
    const { contentType, body } = errorBody(status, message, options.htmlErrors);
    sendText(exchange.res, status, contentType, body, headers);
  };

  const sendOk = (exchange: Exchange, status: number, value: unknown, headers: OutgoingHttpHeaders = {}) => {
    exchange.record.status = status;
    sendJson(exchange.res, status, value, headers);
  };

  const match = (req: IncomingMessage): Matched | null => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const linkOrigin = options.linkOrigin ?? `http://${req.headers.host ?? address()}`;
    if (!url.pathname.startsWith(options.basePath)) return null;
    const rest = url.pathname.slice(options.basePath.length);
    const method = req.method ?? 'GET';
    if (rest === '_/sql') {
      return { route: method === 'POST' ? { kind: 'sql' } : null, urls: apiUrls(linkOrigin, 'stable') };
    }
    if (rest === 'oauth/token') {
      return { route: method === 'POST' ? { kind: 'token' } : null, urls: apiUrls(linkOrigin, 'stable') };
    }
    const api = DATAPUMP.exec(rest);
    if (!api) return null;
    const [, version = 'stable', tail = ''] = api;
    const urls = apiUrls(linkOrigin, version);
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
  };

  const apiUrls = (origin: string, version: string): ApiUrls => {
    // Behind a path-rewriting gateway links carry another path than the one requests use.
    const apiRoot = `${origin}${options.linkBasePath ?? options.basePath}_/db-api/${version}/`;
    return { apiRoot, jobsUrl: `${apiRoot}database/datapump/jobs/` };
  };

  const takeTransient = (kind: RouteKind | null): number | null => {
    const failures = options.transientFailures;
    if (!failures || transientRemaining <= 0) return null;
    const target = failures.route ?? 'any';
    if (target !== 'any' && target !== kind) return null;
    transientRemaining -= 1;
    return failures.status ?? 503;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const matched = match(req);
    const kind = matched?.route?.kind ?? null;
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: redact(req.headers),
      ...(kind === 'post' || kind === 'sql' ? { body } : {}),
      status: null,
      time: options.now(),
    };
    requests.push(record);
    const exchange: Exchange = { req, res, record, body };
    if (options.latencyMs > 0) await new Promise<void>((resolve) => later(options.latencyMs, resolve));

    const transient = takeTransient(kind);
    if (transient !== null) {
      record.fault = 'transient';
      return sendError(
        exchange,
        transient,
        'The database is not available: the connection pool is exhausted or the database is restarting.',
      );
    }
    if (!matched)
      return sendError(exchange, 404, `The request could not be mapped to any database: ${record.path}`);
    const { route, urls } = matched;
    if (!route) return sendError(exchange, 405, `Method ${record.method} is not allowed on ${record.path}`);
    if (size > MAX_BODY_BYTES) return sendError(exchange, 413, 'The request body is too large');
    if (route.kind === 'token') return token(exchange);
    // A disabled REST-enabled SQL service is not mapped at all: ORDS answers 404 before any login.
    if (route.kind === 'sql' && !options.restSql) {
      return sendError(exchange, 404, `The request could not be mapped to any database: ${record.path}`);
    }

    const auth = authenticator.authenticate(req.headers.authorization);
    if (!auth.ok) {
      return sendError(
        exchange,
        auth.status,
        auth.message,
        auth.challenge ? { 'WWW-Authenticate': auth.challenge } : {},
      );
    }
    switch (route.kind) {
      case 'post':
        return createJob(exchange, route.operation, auth.owner, urls);
      case 'list':
        return listJobs(exchange, urls);
      case 'job':
        return readJob(exchange, route.owner, route.jobName, urls, auth.owner);
      case 'download':
        return download(exchange, route.owner, route.jobName, route.fileName);
      case 'sql':
        return restSql(exchange, auth.owner);
    }
  };

  const restSql = (exchange: Exchange, caller: string) => {
    const type = String(exchange.req.headers['content-type'] ?? '').toLowerCase();
    let script = exchange.body;
    if (type.startsWith('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(exchange.body);
      } catch {
        return sendError(exchange, 400, 'The request body is not valid JSON');
      }
      const text = (parsed as { statementText?: unknown } | null)?.statementText;
      if (typeof text !== 'string') return sendError(exchange, 400, 'statementText is required');
      script = text;
    } else if (!type.startsWith('application/sql')) {
      return sendError(
        exchange,
        415,
        `Content-Type ${type || 'none'} is not supported: use application/sql or application/json`,
      );
    }
    sendOk(exchange, 200, runScript(script, caller, database, options.restSqlError));
  };

  const token = (exchange: Exchange) => {
    const issued = authenticator.issueToken(exchange.req.headers.authorization);
    if (!issued) {
      return sendError(exchange, 401, 'Unauthorized', {
        'WWW-Authenticate': BASIC_CHALLENGE,
      });
    }
    const grant = new URLSearchParams(exchange.body).get('grant_type');
    if (grant !== 'client_credentials') {
      return sendOk(exchange, 400, { error: 'unsupported_grant_type' }, { 'Cache-Control': 'no-store' });
    }
    return sendOk(
      exchange,
      200,
      { access_token: issued.accessToken, token_type: 'bearer', expires_in: issued.expiresIn },
      { 'Cache-Control': 'no-store' },
    );
  };

  const createJob = (
    exchange: Exchange,
    routeOperation: 'EXPORT' | 'IMPORT' | null,
    owner: string,
    urls: ApiUrls,
  ) => {
    let parsed: unknown;
    try {
      parsed = exchange.body.trim() === '' ? {} : JSON.parse(exchange.body);
    } catch {
      return sendError(exchange, 400, 'The request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return sendError(exchange, 400, 'The request body must be a JSON object');
    }
    const body = parsed as Record<string, unknown>;
    let operation = routeOperation;
    if (operation === null) {
      const requested = typeof body.operation === 'string' ? body.operation.trim().toUpperCase() : '';
      if (requested !== 'EXPORT' && requested !== 'IMPORT') {
        return sendError(
          exchange,
          400,
          `operation is required: EXPORT or IMPORT, got ${JSON.stringify(body.operation)}`,
        );
      }
      operation = requested;
    }
    const created = store.create(operation, owner, body, pickOutcome);
    if (!created.ok) return sendError(exchange, 400, created.message);
    const job = created.job;

    const hang = options.postHangAfterCreate;
    const hangs = typeof hang !== 'object' || (hang.operation ?? operation) === operation;
    if (hang !== false && hangs && hangRemaining > 0) {
      hangRemaining -= 1;
      exchange.record.fault = 'hang';
      const destroyAfterMs = typeof hang === 'object' ? hang.destroyAfterMs : undefined;
      if (destroyAfterMs !== undefined) later(destroyAfterMs, () => exchange.req.socket.destroy());
      return;
    }
    const json = JSON.stringify(jobJson(job, 'first', 'created', store, options, urls));
    const location = jobUrl(urls, job);
    const locationHeader = options.locationOrigin
      ? location.replace(/^https?:\/\/[^/]+/, options.locationOrigin)
      : location;
    exchange.record.status = 201;
    sendText(exchange.res, 201, 'application/json', json, {
      Location: locationHeader,
      'Content-Location': location,
      ETag: etagOf(json),
    });
  };

  const listJobs = (exchange: Exchange, urls: ApiUrls) => {
    const query = new URL(exchange.record.path, 'http://simulator.invalid').searchParams;
    const limitParam = Number(query.get('limit'));
    const offsetParam = Number(query.get('offset'));
    const limit =
      query.has('limit') && Number.isInteger(limitParam) && limitParam > 0 ? limitParam : options.pageLimit;
    const offset = Number.isInteger(offsetParam) && offsetParam > 0 ? offsetParam : 0;
    const all: Array<Record<string, unknown>> = [
      ...noiseJobs(options.listNoise, options.oauthOwner, urls).map((noise) => noise.item),
      ...store.list().map((job) => jobJson(job, store.observe(job, false), 'item', store, options, urls)),
    ];
    const page = all.slice(offset, offset + limit);
    const hasMore = offset + limit < all.length;
    const pageUrl = (at: number) => {
      const params = new URLSearchParams();
      if (at > 0) params.set('offset', String(at));
      if (query.has('limit')) params.set('limit', String(limit));
      const text = params.toString();
      return text ? `${urls.jobsUrl}?${text}` : urls.jobsUrl;
    };
    const links = [
      { rel: 'self', href: pageUrl(offset) },
      { rel: 'describedby', href: `${urls.apiRoot}metadata-catalog/` },
      { rel: 'first', href: pageUrl(0) },
      ...(offset > 0 ? [{ rel: 'prev', href: pageUrl(Math.max(0, offset - limit)) }] : []),
      ...(hasMore ? [{ rel: 'next', href: pageUrl(offset + limit) }] : []),
    ];
    sendOk(exchange, 200, { items: page, hasMore, limit, offset, count: page.length, links });
  };

  const readJob = (exchange: Exchange, owner: string, jobName: string, urls: ApiUrls, caller: string) => {
    const noise = noiseJobs(options.listNoise, options.oauthOwner, urls).find(
      (row) => row.owner === owner && row.jobName === jobName,
    );
    if (noise?.get.status === 200) return sendOk(exchange, 200, noise.get.job);
    if (noise?.get.status === 403 && owner !== caller) {
      return sendError(
        exchange,
        403,
        `User ${caller} is not allowed to read Data Pump job ${owner},${jobName}`,
      );
    }
    if (noise) return sendError(exchange, 404, `Data Pump job ${owner},${jobName} not found`);
    const job = store.find(owner, jobName);
    const phase = job ? store.observe(job, true) : null;
    if (!job || !phase || job.dropped)
      return sendError(exchange, 404, `Data Pump job ${owner},${jobName} not found`);
    const json = JSON.stringify(jobJson(job, phase, 'job', store, options, urls));
    if (options.invalidJson) {
      exchange.record.status = 200;
      return sendText(exchange.res, 200, 'application/json', json.slice(0, Math.floor(json.length / 2)));
    }
    exchange.record.status = 200;
    sendText(exchange.res, 200, 'application/json', json, { ETag: etagOf(json) });
  };

  const download = (exchange: Exchange, owner: string, jobName: string, fileName: string) => {
    const dropped = options.servesDroppedJobFiles ? store.findDropped(owner, jobName) : undefined;
    const job = store.find(owner, jobName) ?? dropped;
    if (job) store.observe(job, false);
    const file =
      job && (!job.dropped || options.servesDroppedJobFiles) && !store.isRemoved(job, fileName)
        ? fileOf(job, fileName)
        : null;
    if (!file)
      return sendError(exchange, 404, `File ${fileName} of Data Pump job ${owner},${jobName} not found`);
    const total = file.bytes;
    const range = options.range ? parseRange(exchange.req.headers.range, total) : null;
    if (range === 'unsatisfiable') {
      return sendError(
        exchange,
        416,
        `Range ${exchange.req.headers.range} is beyond the file's ${total} bytes`,
        {
          'Content-Range': `bytes */${total}`,
        },
      );
    }
    const start = range?.start ?? 0;
    const endExclusive = range ? range.end + 1 : total;
    const cut = takeCut(endExclusive - start);
    if (cut) exchange.record.fault = cut.mode;

    const headers: OutgoingHttpHeaders = { 'Content-Type': file.contentType };
    if (options.range) headers['Accept-Ranges'] = 'bytes';
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${total}`;
    if (options.contentLength) headers['Content-Length'] = endExclusive - start;
    // A body cut short under a Content-Length cannot be followed by another response on the connection.
    if (cut?.mode === 'truncate' && options.contentLength) headers.Connection = 'close';
    begin(exchange, range ? 206 : 200, headers);
    stream(exchange.res, file.source, start, endExclusive, cut, !options.contentLength);
  };

  /** The reset or truncation this download gets; a body too short to be cut does not use one up. */
  const takeCut = (length: number): Cut | undefined => {
    const resetAt = options.resetDownloadAfterBytes;
    if (resetAt !== undefined && resetRemaining > 0 && resetAt < length) {
      resetRemaining -= 1;
      return { bytes: resetAt, mode: 'reset' };
    }
    const truncateAt = options.truncateDownloadAfterBytes;
    if (truncateAt !== undefined && truncateRemaining > 0 && truncateAt < length) {
      truncateRemaining -= 1;
      return { bytes: truncateAt, mode: 'truncate' };
    }
    return undefined;
  };

  const fileOf = (job: SimulatedJob, fileName: string) => {
    const dump = job.dumpFiles.find((file) => file.name === fileName);
    if (dump) {
      return {
        bytes: store.dumpBytesNow(job, dump),
        contentType: 'application/vnd.tcpdump.pcap',
        source: contentSource(job.jobName, dump.name),
      };
    }
    const log = job.logFileName === fileName ? store.logOf(job) : null;
    if (log === null) return null;
    const bytes = Buffer.from(log, 'utf8');
    const source: ContentSource = {
      read: (start, endExclusive) => Buffer.from(bytes.subarray(start, endExclusive)),
      slices: (start, endExclusive) => [bytes.subarray(start, endExclusive)],
    };
    return { bytes: bytes.length, contentType: 'text/plain', source };
  };

  const authenticator = new Authenticator(current, `${process.pid}`);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const { contentType, body } = errorBody(500, `Simulator error: ${String(error)}`, options.htmlErrors);
      sendText(res, 500, contentType, body);
    });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = () => {
    const info = server.address() as AddressInfo;
    const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    return `${host}:${info.port}`;
  };
  const origin = `http://${address()}`;

  return {
    get url() {
      return `${origin}${options.basePath}`;
    },
    origin,
    configure(changes) {
      const next = { ...options, ...changes };
      validateSimulatorOptions(next);
      options = next;
      resetCounters(changes);
    },
    requests,
    jobs: () => store.views(),
    users: () => users.list(),
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Streams bytes `[start, endExclusive)` of a file with backpressure, optionally cut after `cut.bytes`:
 * `reset` destroys the socket once those bytes are flushed, `truncate` ends the response there.
 * `chunked` bodies are written as one copied buffer per write (one HTTP chunk each).
 */
function stream(
  res: ServerResponse,
  source: ContentSource,
  start: number,
  endExclusive: number,
  cut: Cut | undefined,
  chunked: boolean,
): void {
  const stopAt = cut ? Math.min(endExclusive, start + cut.bytes) : endExclusive;
  let position = start;
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const finish = () => {
    if (cut?.mode === 'reset') {
      res.flushHeaders();
      // The empty write's callback runs once everything written before it has reached the socket.
      const socket = res.socket;
      socket?.write(Buffer.alloc(0), () => socket.destroy());
    } else {
      res.end();
    }
  };
  const pump = () => {
    while (!closed && position < stopAt) {
      const next = Math.min(stopAt, position + WRITE_BYTES);
      let flowing: boolean;
      if (chunked) {
        // One HTTP chunk per write: a single copied buffer keeps the framing small.
        flowing = res.write(source.read(position, next));
      } else {
        // Zero-copy slices of the cached block, written in one batch (writev) under cork.
        res.cork();
        flowing = true;
        for (const slice of source.slices(position, next)) flowing = res.write(slice);
        res.uncork();
      }
      position = next;
      if (!flowing) {
        res.once('drain', pump);
        return;
      }
    }
    if (!closed) finish();
  };
  pump();
}
