import { OrdsResponseError } from '../base/index.js';
import type { OrdsCredentials } from './ords-api.js';
import { snippetOf } from './ords-parse.js';

/**
 * The `Authorization` header of ORDS requests: Basic with the database user, or a Bearer token from
 * the OAuth2 client-credentials flow, cached for as long as the object lives.
 */

/** A token is renewed this long before ORDS says it expires, so it never expires mid-request. */
export const TOKEN_RENEWAL_MARGIN_MS = 60_000;

/** `Basic base64(user:password)`. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** An OAuth2 access token as the token endpoint returned it. */
export interface AccessToken {
  readonly accessToken: string;
  /** Lifetime in seconds, or null when the endpoint did not say (then it is kept until a 401). */
  readonly expiresInSeconds: number | null;
}

/** Parses `{"access_token","token_type":"bearer","expires_in"}` from `POST …/oauth/token`. */
export function parseTokenResponse(json: unknown): AccessToken {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OrdsResponseError('ORDS sent an OAuth token answer that is not a JSON object');
  }
  const {
    access_token: accessToken,
    token_type: tokenType,
    expires_in: expiresIn,
  } = json as Record<string, unknown>;
  // Never quote the answer itself: it holds the token.
  const keys = snippetOf(Object.keys(json));
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    throw new OrdsResponseError(`ORDS sent an OAuth token answer without "access_token" (keys ${keys})`);
  }
  if (
    tokenType !== undefined &&
    (typeof tokenType !== 'string' || tokenType.trim().toLowerCase() !== 'bearer')
  ) {
    throw new OrdsResponseError(
      `ORDS sent an OAuth token of type ${snippetOf(tokenType)}; only "bearer" is supported`,
    );
  }
  const seconds = typeof expiresIn === 'string' && expiresIn.trim() !== '' ? Number(expiresIn) : expiresIn;
  return {
    accessToken: accessToken.trim(),
    expiresInSeconds:
      typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null,
  };
}

/** An `Authorization` header value and whether it came from the token cache. */
export interface Authorization {
  readonly header: string;
  /** True for a Bearer token reused from an earlier request: worth one renewal after a 401. */
  readonly cached: boolean;
}

/** Hands out `Authorization` headers for one set of credentials. */
export class OrdsAuth {
  readonly #credentials: OrdsCredentials;
  readonly #fetchToken: () => Promise<AccessToken>;
  readonly #now: () => number;
  #token: { header: string; renewAtMs: number } | null = null;
  #pending: Promise<string> | null = null;

  /**
   * @param fetchToken performs `POST …/oauth/token` (only called for OAuth2 credentials)
   * @param now clock in milliseconds
   */
  constructor(credentials: OrdsCredentials, fetchToken: () => Promise<AccessToken>, now: () => number) {
    this.#credentials = credentials;
    this.#fetchToken = fetchToken;
    this.#now = now;
  }

  /** Who the requests authenticate as, for messages: the Basic username or the OAuth client id. */
  get user(): string {
    return this.#credentials.kind === 'basic' ? this.#credentials.username : this.#credentials.clientId;
  }

  /** `Basic client_id:client_secret`, for the token endpoint. */
  clientAuthorization(): string {
    if (this.#credentials.kind !== 'oauth2') throw new Error('client credentials exist only for OAuth2');
    return basicAuthorization(this.#credentials.clientId, this.#credentials.clientSecret);
  }

  /** The header for the next request: Basic, a cached Bearer token, or a newly fetched one. */
  async authorization(): Promise<Authorization> {
    if (this.#credentials.kind === 'basic') {
      return {
        header: basicAuthorization(this.#credentials.username, this.#credentials.password),
        cached: false,
      };
    }
    const token = this.#token;
    if (token !== null && this.#now() < token.renewAtMs) return { header: token.header, cached: true };
    return { header: await this.#renew(), cached: false };
  }

  /** Forgets the cached token if it is still `header` (ORDS answered 401 to it). */
  invalidate(header: string): void {
    if (this.#token?.header === header) this.#token = null;
  }

  /** Fetches a token once for all concurrent callers. */
  #renew(): Promise<string> {
    if (this.#pending === null) {
      this.#pending = (async () => {
        try {
          const requestedAtMs = this.#now();
          const token = await this.#fetchToken();
          const header = `Bearer ${token.accessToken}`;
          const renewAtMs =
            token.expiresInSeconds === null
              ? Number.POSITIVE_INFINITY
              : requestedAtMs + token.expiresInSeconds * 1000 - TOKEN_RENEWAL_MARGIN_MS;
          this.#token = { header, renewAtMs };
          return header;
        } finally {
          this.#pending = null;
        }
      })();
    }
    return this.#pending;
  }
}
