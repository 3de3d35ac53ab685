import {
  AwsUnavailableError,
  describeAwsError,
  isTransientAwsError,
  SecretError,
} from '../core/base/index.js';
import type { ImportApi, OrdsApi, OrdsSecret, RestSqlApi, SqlRequestApi } from '../core/ords/index.js';
import { OrdsClient, parseOrdsSecret, tagSecretCommand } from '../core/ords/index.js';
import { logger } from './logger.js';
import { readSecretAs, resetSecretSessions } from './secret-reader.js';

/**
 * Secrets are cached briefly per container: ORDS is called every poll, and a rotated secret must
 * still be picked up within minutes.
 */
const SECRET_TTL_MS = 5 * 60 * 1000;

const secrets = new Map<string, { readonly secret: OrdsSecret; readonly expiresAt: number }>();
const clients = new Map<string, { readonly secret: OrdsSecret; readonly client: OrdsClient }>();

/**
 * The ORDS client for one database, with credentials read from its secret. Clients are reused
 * while the secret is unchanged, so an OAuth2 token is fetched once per container, not per call.
 */
export async function ordsFor(
  target: { readonly database: string; readonly ordsUrl: string; readonly secretId: string },
  invocation?: { getRemainingTimeInMillis(): number },
): Promise<OrdsApi & RestSqlApi & SqlRequestApi & ImportApi> {
  const secret = await readSecret(target.database, target.secretId);
  const key = `${target.ordsUrl}\n${target.secretId}`;
  const cached = clients.get(key);
  const client =
    cached?.secret === secret
      ? cached.client
      : new OrdsClient({ baseUrl: target.ordsUrl, secret, secretId: target.secretId, logger });
  clients.set(key, { secret, client });
  // Every request of this invocation must be answered before the function's time runs out.
  if (invocation) client.setRemainingTime(() => invocation.getRemainingTimeInMillis());
  return client;
}

async function readSecret(database: string, secretId: string): Promise<OrdsSecret> {
  const cached = secrets.get(`${database}\n${secretId}`);
  if (cached && cached.expiresAt > Date.now()) return cached.secret;
  let secretString: string | undefined;
  try {
    secretString = await readSecretAs(database, secretId);
  } catch (error) {
    if (error instanceof SecretError || error instanceof AwsUnavailableError) throw error;
    if (isTransientAwsError(error)) {
      // Throttling or a Secrets Manager hiccup: the state machine tries again after a back-off.
      throw new AwsUnavailableError(`Secret "${secretId}" could not be read: ${describeAwsError(error)}`, {
        cause: error,
      });
    }
    throw new SecretError(describeSecretFailure(database, secretId, error), { cause: error });
  }
  const secret = parseOrdsSecret(secretId, secretString);
  secrets.set(`${database}\n${secretId}`, { secret, expiresAt: Date.now() + SECRET_TTL_MS });
  return secret;
}

function describeSecretFailure(database: string, secretId: string, error: unknown): string {
  const name = (error as { name?: string }).name ?? 'Error';
  switch (name) {
    case 'ResourceNotFoundException':
      return `Secret "${secretId}" does not exist (or has no current version) in this account and region`;
    case 'AccessDeniedException':
      return (
        `Not allowed to read secret "${secretId}" for database "${database}": tag the secret with the database ` +
        `(${tagSecretCommand(secretId, database)}), and check the KMS key policy of a customer key`
      );
    case 'DecryptionFailure':
      return `Secret "${secretId}" cannot be decrypted: check the KMS key policy`;
    default:
      return `Secret "${secretId}" could not be read (${name})`;
  }
}

/** Forgets cached secrets and clients (the local runner starts each run as a fresh container). */
export function resetOrdsCache(): void {
  secrets.clear();
  clients.clear();
  resetSecretSessions();
}
