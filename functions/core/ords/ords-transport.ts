import { type Agent, type Dispatcher, request } from 'undici';
import { OrdsUnavailableError, UnsafeLinkError } from '../base/index.js';
import { createOrdsAgent, DEADLINE_MARGIN_MS, DEFAULT_TIMEOUTS, type OrdsTimeouts } from './ords-agent.js';
import type { Logger, OrdsSecret } from './ords-api.js';
import { type AccessToken, OrdsAuth, parseTokenResponse } from './ords-auth.js';
import { isAbort, networkError } from './ords-errors.js';
import {
  discard,
  type Exchange,
  failWith,
  type Requester,
  type Response,
  readJson,
} from './ords-response.js';
import { isUnderBase, tokenUrl } from './ords-url.js';

/** How `OrdsTransport` reaches ORDS: credentials, connection pool, timeouts. */
export interface OrdsTransportOptions {
  /** Credentials and optional CA bundle (see `parseOrdsSecret`). */
  readonly secret: OrdsSecret;
  /** The secret's id, named in 401/403 messages. @default - messages say "the ORDS secret" */
  readonly secretId?: string;
  /** @default - no logging */
  readonly logger?: Logger;
  /**
   * Replaces the client's own undici `Agent` (tests pass a `MockAgent`). The secret's `caBundle` and
   * the connect timeout are then the dispatcher's business.
   * @default - an `Agent` trusting Node's root certificates plus `secret.caBundle`
   */
  readonly dispatcher?: Dispatcher;
  /** @default - see `OrdsTimeouts` */
  readonly timeouts?: OrdsTimeouts;
  /** @default 'ords-datapump-backup' */
  readonly userAgent?: string;
  /** Clock in milliseconds, for the OAuth token's expiry. @default Date.now */
  readonly now?: () => number;
}

/**
 * Authenticated HTTP(S) requests to one ORDS URL with undici: Basic or OAuth2 (the token fetched,
 * cached and renewed), every request bounded by the invocation's time left, network failures mapped
 * to project errors. Only URLs under the configured ORDS URL are sent, never a redirect followed, so
 * the credentials never reach another origin. On a 401 to a cached OAuth token it fetches one new
 * token and retries that request once; a Basic 401 is never retried (the database account would lock).
 */
export class OrdsTransport {
  readonly #base: URL;
  readonly #auth: OrdsAuth;
  readonly #secretId: string | undefined;
  readonly #logger: Logger | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownAgent: Agent | null;
  readonly #timeouts: Required<OrdsTimeouts>;
  readonly #userAgent: string;
  #remainingTimeMs: (() => number) | undefined;

  constructor(base: URL, options: OrdsTransportOptions) {
    this.#base = base;
    this.#secretId = options.secretId;
    this.#logger = options.logger;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#userAgent = options.userAgent ?? 'ords-datapump-backup';
    this.#ownAgent = options.dispatcher ? null : createOrdsAgent(options.secret, this.#timeouts);
    this.#dispatcher = options.dispatcher ?? (this.#ownAgent as Agent);
    this.#auth = new OrdsAuth(options.secret.credentials, () => this.#fetchToken(), options.now ?? Date.now);
  }

  /** Bounds every later request by the time the current invocation has left. */
  setRemainingTime(remainingTimeMs: () => number): void {
    this.#remainingTimeMs = remainingTimeMs;
  }

  /** Closes the transport's own connection pool (not a dispatcher passed in). */
  async close(): Promise<void> {
    await this.#ownAgent?.close();
  }

  /** A GET whose 200 answer is JSON; other statuses throw. */
  async getJson(url: URL): Promise<unknown> {
    const response = await this.send({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      expect: [200],
    });
    return readJson(response, 'GET', url);
  }

  /** Sends an authenticated request; statuses outside `expect` throw (bodies consumed). */
  async send(exchange: Exchange): Promise<Response> {
    let authorization = await this.#auth.authorization();
    let response = await this.#dispatch(exchange, authorization.header);
    if (response.statusCode === 401 && authorization.cached) {
      // The cached token may have been revoked or expired early: renew it once, retry once.
      await discard(response);
      this.#auth.invalidate(authorization.header);
      this.#logger?.info('ORDS refused the cached OAuth token: fetching a new one and retrying once', {
        method: exchange.method,
        url: exchange.url.href,
      });
      authorization = await this.#auth.authorization();
      response = await this.#dispatch(exchange, authorization.header);
    }
    if (exchange.expect.includes(response.statusCode)) return response;
    return failWith(exchange, response, this.#requester);
  }

  /** The user and secret named in 401/403 messages. */
  get #requester(): Requester {
    return { user: this.#auth.user, secretId: this.#secretId };
  }

  /** POST …/oauth/token with the client credentials. Never retried: a 401 here is final. */
  async #fetchToken(): Promise<AccessToken> {
    const url = tokenUrl(this.#base);
    const exchange: Exchange = {
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      expect: [200],
    };
    const response = await this.#dispatch(exchange, this.#auth.clientAuthorization());
    if (response.statusCode !== 200) return failWith(exchange, response, this.#requester);
    this.#logger?.debug('Fetched an OAuth token from ORDS', { url: url.href });
    // The answer holds the token: never quote it in a message.
    return parseTokenResponse(await readJson(response, 'POST', url, false));
  }

  /** One HTTP request, network failures mapped to project errors. */
  async #dispatch(exchange: Exchange, authorization: string): Promise<Response> {
    const { method, url } = exchange;
    if (!isUnderBase(this.#base, url)) {
      // Unreachable through the public methods: the last guard before credentials leave.
      throw new UnsafeLinkError(`Refusing to send credentials to ${url.href}: not under ${this.#base.href}`);
    }
    const startedAt = Date.now();
    const remainingMs = this.#remainingTimeMs?.() ?? Number.POSITIVE_INFINITY;
    // Half of a short budget (local runs with seconds per invocation), else 5 s: undici's timers
    // for timeouts over a second fire up to a second late.
    const leftMs = remainingMs - Math.min(DEADLINE_MARGIN_MS, remainingMs / 2);
    if (leftMs <= 0) {
      throw new OrdsUnavailableError(
        `No time left in this invocation for ${method} ${url.href}: the step is tried again`,
      );
    }
    let response: Response;
    try {
      response = await request(url, {
        method,
        headers: { ...exchange.headers, authorization, 'user-agent': this.#userAgent },
        body: exchange.body ?? null,
        dispatcher: this.#dispatcher,
        // Never wait for an answer past the invocation's end (Lambda would kill the function).
        headersTimeout: Math.min(this.#timeouts.headersMs, leftMs),
        bodyTimeout: Math.min(this.#timeouts.bodyMs, leftMs),
        signal: exchange.signal ?? null,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      const mapped = networkError(error, method, url);
      this.#logger?.warn('ORDS request failed', { method, url: url.href, error: mapped.message });
      throw mapped;
    }
    this.#logger?.debug('ORDS answered', {
      method,
      url: url.href,
      status: response.statusCode,
      durationMs: Date.now() - startedAt,
    });
    return response;
  }
}
