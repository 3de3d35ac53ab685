import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, type AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import {
  AwsUnavailableError,
  describeAwsError,
  isTransientAwsError,
  SecretError,
} from '../core/base/index.js';
import { SECRET_DATABASE_TAG } from '../core/ords/index.js';
import { FAST_FAIL, stsClient } from './clients.js';
import { requiredEnv } from './env.js';

/**
 * Reading a database's secret as that database: each read goes through a session of the secret
 * reader role (`SECRET_READER_ROLE_ARN`) tagged `ords-datapump-backup:database=<database>`, and
 * the role may read only secrets that carry the same tag. A function serving database A therefore
 * cannot read database B's secret, whatever secret id it is given. The session's credentials are
 * kept per database until shortly before they expire; they are never logged.
 */

/** How long a session lasts (STS's minimum): a leaked session key is short-lived. */
const SESSION_SECONDS = 900;
/** A session is renewed this long before it expires, so no call starts with credentials about to lapse. */
const RENEW_BEFORE_MS = 2 * 60 * 1000;

interface Session {
  readonly client: SecretsManagerClient;
  readonly expiresAt: number;
}

const sessions = new Map<string, Promise<Session>>();

/**
 * The `SecretString` of `secretId`, read in a session tagged with `database`. Rejects with the
 * Secrets Manager SDK error as is (callers name its fix), with `AwsUnavailableError` when STS is
 * unavailable, and with `SecretError` when the role cannot be assumed.
 */
export async function readSecretAs(database: string, secretId: string): Promise<string | undefined> {
  const session = await sessionFor(database);
  return (await session.client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
}

/** Forgets the sessions (the local runner starts each run as a fresh container). */
export function resetSecretSessions(): void {
  for (const pending of sessions.values()) {
    pending.then((session) => session.client.destroy()).catch(() => undefined);
  }
  sessions.clear();
}

async function sessionFor(database: string): Promise<Session> {
  const pending = sessions.get(database);
  if (pending) {
    const session = await pending.catch(() => undefined);
    if (session && session.expiresAt - RENEW_BEFORE_MS > Date.now()) return session;
    // Another call replaced it meanwhile: use that one. (An expiring client is left to finish its
    // requests in flight, not destroyed under them.)
    if (sessions.get(database) !== pending) return sessionFor(database);
  }
  const started = assumeFor(database);
  sessions.set(database, started);
  started.catch(() => {
    if (sessions.get(database) === started) sessions.delete(database);
  });
  return started;
}

async function assumeFor(database: string): Promise<Session> {
  const roleArn = requiredEnv('SECRET_READER_ROLE_ARN');
  let answer: AssumeRoleCommandOutput;
  try {
    answer = await stsClient().send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        // Names the database in CloudTrail; the tag, not the name, is what grants access.
        RoleSessionName: `ords-backup-${database}`.slice(0, 64),
        DurationSeconds: SESSION_SECONDS,
        Tags: [{ Key: SECRET_DATABASE_TAG, Value: database }],
      }),
    );
  } catch (error) {
    if (isTransientAwsError(error)) {
      throw new AwsUnavailableError(
        `Could not assume the secret reader role for database "${database}": ${describeAwsError(error)}`,
        { cause: error },
      );
    }
    const name = (error as { name?: string }).name ?? 'Error';
    throw new SecretError(
      `Could not assume the secret reader role ${roleArn} for database "${database}" (${name}): ` +
        "deploy again so the function's role may assume it with the session tag",
      { cause: error },
    );
  }
  const credentials = answer.Credentials;
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials ?? {};
  if (!AccessKeyId || !SecretAccessKey || !SessionToken || !(Expiration instanceof Date)) {
    throw new SecretError(`STS answered AssumeRole for database "${database}" without complete credentials`);
  }
  const client = new SecretsManagerClient({
    credentials: {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      sessionToken: SessionToken,
      expiration: Expiration,
    },
    requestHandler: FAST_FAIL,
  });
  return { client, expiresAt: Expiration.getTime() };
}
