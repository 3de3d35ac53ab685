import { SecretError } from '../base/index.js';
import type { OrdsCredentials, OrdsSecret } from './ords-api.js';

/**
 * Reading a database's secret. Messages name the secret id and the keys that are missing or wrong,
 * never a value: not even the JSON parser's message, which can quote the text it choked on.
 */

/**
 * The tag that names the database a secret belongs to (`ords-datapump-backup:database=<id>`): the
 * secret reader role reads a secret only when this tag equals the session tag of the same key, which
 * each function sets to the database it serves (attribute-based access control).
 */
export const SECRET_DATABASE_TAG = 'ords-datapump-backup:database';

/** The AWS CLI command that gives secret `secretId` the tag of `database`. */
export function tagSecretCommand(secretId: string, database: string): string {
  return `aws secretsmanager tag-resource --secret-id '${secretId}' --tags Key=${SECRET_DATABASE_TAG},Value=${database}`;
}

const SHAPES = '{"username","password"} (Basic) or {"clientId","clientSecret"} (OAuth2), optional "caBundle"';
const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/**
 * Parses a secret's `SecretString`: `{"username","password"}` for Basic authentication or
 * `{"clientId","clientSecret"}` for OAuth2 client credentials, plus an optional `caBundle` (PEM
 * certificates of a private CA). Other keys are ignored. Throws `SecretError` otherwise.
 */
export function parseOrdsSecret(secretId: string, secretString: string | undefined): OrdsSecret {
  const fail = (problem: string) => new SecretError(`Secret "${secretId}" ${problem}: expected ${SHAPES}`);
  if (secretString === undefined || secretString.trim() === '') {
    throw fail('has no SecretString (binary secrets are not supported)');
  }
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw fail('is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw fail(
      `is JSON but not an object (${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json})`,
    );
  }
  const object = json as Record<string, unknown>;
  const has = (key: string) => Object.hasOwn(object, key);
  const basic = has('username') || has('password');
  const oauth2 = has('clientId') || has('clientSecret');
  if (basic && oauth2) {
    throw fail(
      'has both Basic keys (username, password) and OAuth2 keys (clientId, clientSecret); keep one pair',
    );
  }
  if (!basic && !oauth2) throw fail('has neither username/password nor clientId/clientSecret');

  const [userKey, passwordKey] = basic
    ? (['username', 'password'] as const)
    : (['clientId', 'clientSecret'] as const);
  const problems = [userKey, passwordKey].map((key) => keyProblem(object, key)).filter((p) => p !== null);
  const user = object[userKey];
  if (problems.length === 0 && typeof user === 'string' && user.includes(':')) {
    problems.push(`"${userKey}" must not contain ":" (HTTP Basic authentication cannot carry it)`);
  }
  const caBundle = object.caBundle;
  if (caBundle !== undefined && (typeof caBundle !== 'string' || !caBundle.includes(PEM_CERTIFICATE))) {
    problems.push(`"caBundle" must be PEM text containing ${PEM_CERTIFICATE}`);
  }
  if (problems.length > 0) throw fail(`is not usable: ${problems.join('; ')}`);

  const credentials: OrdsCredentials = basic
    ? { kind: 'basic', username: object.username as string, password: object.password as string }
    : { kind: 'oauth2', clientId: object.clientId as string, clientSecret: object.clientSecret as string };
  return typeof caBundle === 'string' ? { credentials, caBundle } : { credentials };
}

function keyProblem(object: Record<string, unknown>, key: string): string | null {
  if (!Object.hasOwn(object, key)) return `"${key}" is missing`;
  const value = object[key];
  if (typeof value !== 'string')
    return `"${key}" must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.trim() === '') return `"${key}" is empty`;
  return null;
}
