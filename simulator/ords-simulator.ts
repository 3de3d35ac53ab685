import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from './authenticator.js';
import { CountedSwitches } from './counted-switches.js';
import { DatabaseUsers, type SimulatedUser } from './database-users.js';
import { createJob, listJobs, readJob } from './datapump-routes.js';
import { download } from './download-route.js';
import {
  Exchange,
  MAX_BODY_BYTES,
  type RecordedRequest,
  type RequestRecord,
  readBody,
  redact,
} from './exchange.js';
import { ForeignImports } from './foreign-import.js';
import { JobStore } from './job-store.js';
import type { SimulatedJobView } from './job-view.js';
import { errorBody, sendText } from './responses.js';
import { restSql, sqlDatabase, uploadDatabase } from './rest-sql-route.js';
import type { RouteContext } from './route-context.js';
import { matchRoute } from './route-match.js';
import { defaultSimulatorOptions, type SimulatorOptions } from './simulator-options.js';
import { issueToken } from './token-route.js';
import { validateSimulatorOptions } from './validate-simulator-options.js';

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
  const database = sqlDatabase(store, users, current);
  const uploads = uploadDatabase(store, current);
  const counters = new CountedSwitches(current);
  const foreign = new ForeignImports(current, store);
  const authenticator = new Authenticator(current, `${process.pid}`);
  const requests: RequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const context: RouteContext = { options: current, store, counters, later };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { text: body, size } = await readBody(req);
    const matched = matchRoute(req, options, address);
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
    const exchange = new Exchange(req, res, record, body, () => options.htmlErrors);
    if (options.latencyMs > 0) await new Promise<void>((resolve) => later(options.latencyMs, resolve));

    const transient = counters.takeTransient(kind);
    if (transient !== null) {
      record.fault = 'transient';
      return exchange.fail(
        transient,
        'The database is not available: the connection pool is exhausted or the database is restarting.',
      );
    }
    if (!matched)
      return exchange.fail(404, `The request could not be mapped to any database: ${record.path}`);
    const { route, urls } = matched;
    if (!route) return exchange.fail(405, `Method ${record.method} is not allowed on ${record.path}`);
    if (size > MAX_BODY_BYTES) return exchange.fail(413, 'The request body is too large');
    if (route.kind === 'token') return issueToken(exchange, authenticator);
    // A disabled REST-enabled SQL service is not mapped at all: ORDS answers 404 before any login.
    if (route.kind === 'sql' && !options.restSql) {
      return exchange.fail(404, `The request could not be mapped to any database: ${record.path}`);
    }

    const auth = authenticator.authenticate(req.headers.authorization);
    if (!auth.ok) {
      return exchange.fail(
        auth.status,
        auth.message,
        auth.challenge ? { 'WWW-Authenticate': auth.challenge } : {},
      );
    }
    if ((route.kind === 'list' || route.kind === 'job') && !readsJobList(options.sessionRoles)) {
      // ORDS queries DBA_DATAPUMP_JOBS in the user's session: without the privilege it answers 500.
      return exchange.fail(500, 'ORA-00942: table or view does not exist');
    }
    switch (route.kind) {
      case 'post':
        foreign.beforePost(route.operation);
        return createJob(context, exchange, route.operation, auth.owner, urls);
      case 'list':
        return listJobs(context, exchange, urls);
      case 'job':
        return readJob(context, exchange, route.owner, route.jobName, urls, auth.owner);
      case 'download':
        return download(context, exchange, route.owner, route.jobName, route.fileName);
      case 'sql':
        foreign.beforeSql(body);
        return restSql(exchange, auth.owner, database, options, () => counters.takeSqlAnswerLost(), uploads);
    }
  };

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
      counters.restart(changes);
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

/** Roles that let a session read DBA_DATAPUMP_JOBS. */
const JOB_LIST_ROLES = [
  'SELECT_CATALOG_ROLE',
  'DATAPUMP_EXP_FULL_DATABASE',
  'EXP_FULL_DATABASE',
  'PDB_DBA',
  'DBA',
];

/** Whether a session with these roles can read DBA_DATAPUMP_JOBS. */
function readsJobList(roles: readonly string[]): boolean {
  return roles.some((role) => JOB_LIST_ROLES.includes(role.toUpperCase()));
}
