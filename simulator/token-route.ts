import { type Authenticator, BASIC_CHALLENGE } from './authenticator.js';
import type { Exchange } from './exchange.js';

/**
 * `POST <basePath>oauth/token`: OAuth2 client credentials. A Basic `client_id:client_secret` login and
 * the form `grant_type=client_credentials` give `{"access_token","token_type":"bearer","expires_in"}`.
 */
export function issueToken(exchange: Exchange, authenticator: Authenticator) {
  const issued = authenticator.issueToken(exchange.req.headers.authorization);
  if (!issued) return exchange.fail(401, 'Unauthorized', { 'WWW-Authenticate': BASIC_CHALLENGE });
  const grant = new URLSearchParams(exchange.body).get('grant_type');
  if (grant !== 'client_credentials') {
    return exchange.json(400, { error: 'unsupported_grant_type' }, { 'Cache-Control': 'no-store' });
  }
  exchange.json(
    200,
    { access_token: issued.accessToken, token_type: 'bearer', expires_in: issued.expiresIn },
    { 'Cache-Control': 'no-store' },
  );
}
