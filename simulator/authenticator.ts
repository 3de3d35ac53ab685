import { createHash } from 'node:crypto';
import type { SimulatorOptions } from './simulator-options.js';

/** Basic authentication with database users and OAuth2 client-credentials bearer tokens. */

/** The outcome of checking a request's `Authorization` header. */
export type AuthResult =
  | { readonly ok: true; readonly owner: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly challenge?: string; readonly message: string };

/** Who a token was issued to and until when (simulator clock, epoch ms). */
interface IssuedToken {
  readonly clientId: string;
  readonly expiresAtMs: number;
}

const REALM = 'Oracle REST Data Services';
/** `WWW-Authenticate` for a missing or wrong Basic login. */
export const BASIC_CHALLENGE = `Basic realm="${REALM}"`;
/** `WWW-Authenticate` for an unknown or expired bearer token. */
export const BEARER_CHALLENGE = `Bearer realm="${REALM}", error="invalid_token"`;

function decodeBasic(header: string): { readonly user: string; readonly password: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function lookup(
  table: Readonly<Record<string, string>>,
  name: string,
  caseInsensitive: boolean,
): string | undefined {
  for (const [key, secret] of Object.entries(table)) {
    if (caseInsensitive ? key.toUpperCase() === name.toUpperCase() : key === name) return secret;
  }
  return undefined;
}

/** Checks credentials and issues tokens for one simulator. */
export class Authenticator {
  private readonly tokens = new Map<string, IssuedToken>();
  private issued = 0;

  constructor(
    private readonly options: () => SimulatorOptions,
    private readonly salt: string,
  ) {}

  /** Authenticates a Database API request; the owner of jobs it creates is the upper-cased user. */
  authenticate(header: string | undefined): AuthResult {
    const options = this.options();
    const forbidden = (name: string) =>
      options.forbiddenUsers.some((entry) => entry.toUpperCase() === name.toUpperCase());
    if (header && /^Bearer\s/i.test(header)) {
      const token = this.tokens.get(header.replace(/^Bearer\s+/i, '').trim());
      if (!token || token.expiresAtMs <= options.now().getTime()) {
        return { ok: false, status: 401, challenge: BEARER_CHALLENGE, message: 'Unauthorized' };
      }
      if (forbidden(token.clientId)) return { ok: false, status: 403, message: 'Forbidden' };
      return { ok: true, owner: options.oauthOwner.toUpperCase() };
    }
    const login = header ? decodeBasic(header) : null;
    // Database user names are case-insensitive identifiers; passwords are case-sensitive.
    if (!login || lookup(options.users, login.user, true) !== login.password) {
      return { ok: false, status: 401, challenge: BASIC_CHALLENGE, message: 'Unauthorized' };
    }
    if (forbidden(login.user)) return { ok: false, status: 403, message: 'Forbidden' };
    return { ok: true, owner: login.user.toUpperCase() };
  }

  /** Issues a bearer token for a Basic `client_id:client_secret` login, or null when it is wrong. */
  issueToken(
    header: string | undefined,
  ): { readonly accessToken: string; readonly expiresIn: number } | null {
    const options = this.options();
    const login = header ? decodeBasic(header) : null;
    if (!login || lookup(options.oauthClients, login.user, false) !== login.password) return null;
    this.issued += 1;
    const accessToken = createHash('sha256')
      .update(`${this.salt}:${login.user}:${this.issued}`)
      .digest('base64url')
      .slice(0, 22);
    this.tokens.set(accessToken, {
      clientId: login.user,
      expiresAtMs: options.now().getTime() + options.tokenTtlSeconds * 1000,
    });
    return { accessToken, expiresIn: options.tokenTtlSeconds };
  }
}
