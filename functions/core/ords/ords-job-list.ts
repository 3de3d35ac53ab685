import { OrdsResponseError } from '../base/index.js';
import type { JobListItem, Logger } from './ords-api.js';
import { OrdsHttpUnavailableError } from './ords-errors.js';
import { parseJobList } from './ords-parse.js';
import { jobsUrl } from './ords-url.js';

/** Page size of the one-page job list read when ORDS ignores `offset`. */
const ONE_PAGE_LIMIT = 10_000;

/** What the job list reader needs from the client. */
export interface JobListDeps {
  /** The configured ORDS URL, parsed. */
  readonly base: URL;
  /** A GET whose 200 answer is JSON. */
  readonly getJson: (url: URL) => Promise<unknown>;
  /** Most pages read before giving up. */
  readonly maxListPages: number;
  readonly logger: Logger | undefined;
}

/**
 * `GET …/database/datapump/jobs/`, every page: paged by offset on the configured URL, each job kept
 * once, read in one page of `ONE_PAGE_LIMIT` once this ORDS showed it ignores `offset` (undocumented).
 */
export class OrdsJobList {
  readonly #deps: JobListDeps;
  #offsetIgnored = false;

  constructor(deps: JobListDeps) {
    this.#deps = deps;
  }

  /** True once this ORDS answered an offset page with a page seen before. */
  get offsetIgnored(): boolean {
    return this.#offsetIgnored;
  }

  /** Every job of the list. */
  async read(): Promise<JobListItem[]> {
    const { base, maxListPages } = this.#deps;
    const items = new Map<string, JobListItem>();
    let offset = 0;
    let limit: number | null = null;
    for (let page = 1; ; page++) {
      if (page > maxListPages) {
        throw new OrdsResponseError(
          `The Data Pump job list at ${jobsUrl(base).href} has more than ${maxListPages} pages ` +
            `(${items.size} jobs read): stopping. Old jobs kept with keep_master=1 pile up; drop their ` +
            'control tables on the database.',
        );
      }
      // Paged by offset on the configured URL: a `next` link's path may not be ours to follow.
      const url = jobsUrl(base);
      if (offset > 0) url.searchParams.set('offset', String(offset));
      if (limit !== null) url.searchParams.set('limit', String(limit));
      const list = parseJobList(await this.#deps.getJson(url).catch(explainJobList500));
      const known = items.size;
      // A job started while paging can shift a page: keep each job once.
      for (const item of list.items) items.set(`${item.owner},${item.jobName}`, item);
      if (!list.hasMore) return [...items.values()];
      if (offset > 0 && items.size === known && list.pageCount > 0) {
        // Offset paging is undocumented (Oracle documents `limit` only): this ORDS sent a page seen before.
        return this.#readInOnePage(items);
      }
      if (list.pageCount === 0) {
        throw new OrdsResponseError(
          `ORDS says the job list at ${url.href} has more pages but sent an empty page at offset ${offset}`,
        );
      }
      offset = (list.offset ?? offset) + list.pageCount;
      limit = list.limit;
    }
  }

  /** The job list in one page of `ONE_PAGE_LIMIT` (the documented `limit`), for an ORDS that ignores `offset`. */
  async #readInOnePage(items: Map<string, JobListItem>): Promise<JobListItem[]> {
    const url = jobsUrl(this.#deps.base);
    url.searchParams.set('limit', String(ONE_PAGE_LIMIT));
    if (this.#offsetIgnored) return this.#readOnePage(url, items);
    this.#offsetIgnored = true;
    this.#deps.logger?.warn(
      `ORDS ignored offset when paging the Data Pump job list: reading it in one page of ${ONE_PAGE_LIMIT}`,
      { url: url.href },
    );
    return this.#readOnePage(url, items);
  }

  async #readOnePage(url: URL, items: Map<string, JobListItem>): Promise<JobListItem[]> {
    const list = parseJobList(await this.#deps.getJson(url).catch(explainJobList500));
    for (const item of list.items) items.set(`${item.owner},${item.jobName}`, item);
    if (list.hasMore) {
      throw new OrdsResponseError(
        `The Data Pump job list at ${jobsUrl(this.#deps.base).href} ignores offset and holds more than ` +
          `${ONE_PAGE_LIMIT} jobs: it cannot be read whole. Old jobs kept with keep_master=1 pile up; drop ` +
          'their control tables on the database.',
      );
    }
    return [...items.values()];
  }
}

/**
 * ORDS's job list queries DBA_DATAPUMP_JOBS in the user's session: a 500 is most often a missing
 * privilege on it. Says so (same error class and status: still retried as a 5xx).
 */
function explainJobList500(error: unknown): never {
  if (error instanceof OrdsHttpUnavailableError && error.status === 500) {
    throw new OrdsHttpUnavailableError(
      `${error.message}. The job list reads DBA_DATAPUMP_JOBS: a 500 here most often means the ORDS user ` +
        'may not read it (GRANT SELECT ON SYS.DBA_DATAPUMP_JOBS TO <user>); run the doctor for the exact grant',
      500,
      { cause: error },
    );
  }
  throw error;
}
