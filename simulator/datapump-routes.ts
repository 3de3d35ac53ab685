import type { Exchange } from './exchange.js';
import { type ApiUrls, jobJson, jobUrl } from './job-json.js';
import { noiseJobs } from './list-noise.js';
import { etagOf } from './responses.js';
import type { RouteContext } from './route-context.js';

/**
 * The Data Pump job routes: `POST export`, `POST import` and `POST jobs/` (create and start a job),
 * `GET jobs/` (the job list, paged) and `GET jobs/{OWNER},{JOB}/` (one job: a poll).
 */

/** Creates and starts a job for `owner`; `routeOperation` null reads `operation` from the body (`POST jobs/`). */
export function createJob(
  context: RouteContext,
  exchange: Exchange,
  routeOperation: 'EXPORT' | 'IMPORT' | null,
  owner: string,
  urls: ApiUrls,
) {
  let parsed: unknown;
  try {
    parsed = exchange.body.trim() === '' ? {} : JSON.parse(exchange.body);
  } catch {
    return exchange.fail(400, 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return exchange.fail(400, 'The request body must be a JSON object');
  }
  const body = parsed as Record<string, unknown>;
  let operation = routeOperation;
  if (operation === null) {
    const requested = typeof body.operation === 'string' ? body.operation.trim().toUpperCase() : '';
    if (requested !== 'EXPORT' && requested !== 'IMPORT') {
      return exchange.fail(
        400,
        `operation is required: EXPORT or IMPORT, got ${JSON.stringify(body.operation)}`,
      );
    }
    operation = requested;
  }
  const created = context.store.create(operation, owner, body, () => context.counters.nextOutcome());
  if (!created.ok) return exchange.fail(400, created.message);
  const job = created.job;

  const hang = context.counters.takeHang(operation);
  if (hang) {
    exchange.record.fault = 'hang';
    if (hang.destroyAfterMs !== undefined)
      context.later(hang.destroyAfterMs, () => exchange.req.socket.destroy());
    return;
  }
  const options = context.options();
  const json = JSON.stringify(jobJson(job, 'first', 'created', context.store, options, urls));
  const location = jobUrl(urls, job);
  const locationHeader = options.locationOrigin
    ? location.replace(/^https?:\/\/[^/]+/, options.locationOrigin)
    : location;
  exchange.text(201, 'application/json', json, {
    Location: locationHeader,
    'Content-Location': location,
    ETag: etagOf(json),
  });
}

/** The job list of all owners (noise rows first), paged by `?limit=` and `?offset=`. */
export function listJobs(context: RouteContext, exchange: Exchange, urls: ApiUrls) {
  const { store } = context;
  const options = context.options();
  const query = new URL(exchange.record.path, 'http://simulator.invalid').searchParams;
  const limitParam = Number(query.get('limit'));
  const offsetParam = Number(query.get('offset'));
  const limit =
    query.has('limit') && Number.isInteger(limitParam) && limitParam > 0 ? limitParam : options.pageLimit;
  const offset = !options.ignoreOffset && Number.isInteger(offsetParam) && offsetParam > 0 ? offsetParam : 0;
  const all: Array<Record<string, unknown>> = [
    ...noiseJobs(options.listNoise, options.oauthOwner, urls).map((noise) => noise.item),
    ...store
      .list()
      .filter((job) => options.showsSqlJobs || job.madeBy !== 'rest-sql')
      .map((job) => jobJson(job, store.observe(job, false), 'item', store, options, urls)),
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
  exchange.json(200, { items: page, hasMore, limit, offset, count: page.length, links });
}

/** One job as `caller` reads it: a poll that advances poll-driven jobs; 404 when unknown or dropped. */
export function readJob(
  context: RouteContext,
  exchange: Exchange,
  owner: string,
  jobName: string,
  urls: ApiUrls,
  caller: string,
) {
  const { store } = context;
  const options = context.options();
  const noise = noiseJobs(options.listNoise, options.oauthOwner, urls).find(
    (row) => row.owner === owner && row.jobName === jobName,
  );
  if (noise?.get.status === 200) return exchange.json(200, noise.get.job);
  if (noise?.get.status === 403 && owner !== caller) {
    return exchange.fail(403, `User ${caller} is not allowed to read Data Pump job ${owner},${jobName}`);
  }
  if (noise) return exchange.fail(404, `Data Pump job ${owner},${jobName} not found`);
  const shown = store.find(owner, jobName);
  const job = shown?.madeBy === 'rest-sql' && !options.showsSqlJobs ? undefined : shown;
  const phase = job ? store.observe(job, true) : null;
  if (!job || !phase || job.dropped) return exchange.fail(404, `Data Pump job ${owner},${jobName} not found`);
  const json = JSON.stringify(jobJson(job, phase, 'job', store, options, urls));
  if (options.invalidJson) {
    return exchange.text(200, 'application/json', json.slice(0, Math.floor(json.length / 2)));
  }
  exchange.text(200, 'application/json', json, { ETag: etagOf(json) });
}
