import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName, RETRYABLE_ERRORS } from '../../../functions/core/base/errors.js';
import { resetClients } from '../../../functions/shared/clients.js';
import { ordsFor, resetOrdsCache } from '../../../functions/shared/ords.js';

const secrets = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);
const ROLE = 'arn:aws:iam::111122223333:role/secret-reader';
const target = {
  database: 'orders',
  ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
  secretId: 'prod/ords/orders',
};
const BASIC = '{"username":"DBAPI_USER","password":"pw"}';
let sessions = 0;

/** STS hands out a new session each call, valid for `seconds`. */
function stsGrants(seconds = 900): void {
  sts.on(AssumeRoleCommand).callsFake(() => {
    sessions += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA${sessions}`,
        SecretAccessKey: `session-secret-${sessions}`,
        SessionToken: `token-${sessions}`,
        Expiration: new Date(Date.now() + seconds * 1000),
      },
    };
  });
}

/** The access key the `n`th GetSecretValue was signed with. */
async function keyOfRead(n: number): Promise<string> {
  const client = secrets.commandCalls(GetSecretValueCommand)[n]!.thisValue as SecretsManagerClient;
  const credentials = await (client.config.credentials as () => Promise<{ accessKeyId: string }>)();
  return credentials.accessKeyId;
}

describe('reading the ORDS secret', () => {
  beforeEach(() => {
    secrets.reset();
    sts.reset();
    stsGrants();
    resetClients();
    process.env.SECRET_READER_ROLE_ARN = ROLE;
    resetOrdsCache();
    process.env.AWS_REGION = 'eu-central-1';
  });

  it.each([
    ['ResourceNotFoundException', 'does not exist'],
    [
      'AccessDeniedException',
      'Not allowed to read secret "prod/ords/orders" for database "orders": tag the secret with the database ' +
        "(aws secretsmanager tag-resource --secret-id 'prod/ords/orders' --tags Key=ords-datapump-backup:database,Value=orders)",
    ],
    ['DecryptionFailure', 'cannot be decrypted'],
  ])('fails with a SecretError naming the secret when Secrets Manager answers %s', async (name, words) => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('raw AWS message'), { name }));
    const error = await ordsFor(target).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.Secret });
    expect((error as Error).message).toContain('"prod/ords/orders"');
    expect((error as Error).message).toContain(words);
  });

  it('fails with a SecretError that never shows the value of a malformed secret', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: '{"username":"DBAPI_USER","pasword":"s3cr3t-value"}' });
    const error = await ordsFor(target).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.Secret });
    expect((error as Error).message).not.toContain('s3cr3t-value');
  });

  it('reads the secret once and reuses the client while it is cached', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: BASIC });
    const first = await ordsFor(target);
    const second = await ordsFor(target);

    expect(second).toBe(first);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it.each([
    ['ThrottlingException', 400],
    ['InternalServiceError', 500],
  ])('fails with a retried AwsUnavailableError when Secrets Manager answers %s', async (name, status) => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('raw AWS message'), { name, $metadata: { httpStatusCode: status } }));
    const error = await ordsFor(target).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.AwsUnavailable });
    expect(RETRYABLE_ERRORS).toContain((error as Error).name);
    expect((error as Error).message).toContain('"prod/ords/orders"');
  });

  it('reads the secret in a session of the reader role tagged with the database it serves', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: BASIC });
    await ordsFor(target);

    const assumed = sts.commandCalls(AssumeRoleCommand);
    expect(assumed).toHaveLength(1);
    expect(assumed[0]!.args[0].input).toMatchObject({
      RoleArn: ROLE,
      RoleSessionName: 'ords-backup-orders',
      Tags: [{ Key: 'ords-datapump-backup:database', Value: 'orders' }],
    });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: 'prod/ords/orders',
    });
    expect(await keyOfRead(0)).toBe(`ASIA${sessions}`);
  });

  it('keeps one session per database: another database gets its own, with its own tag', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: BASIC });
    // A different secret id each time, so each call reads (parsed secrets are cached too).
    await ordsFor(target);
    await ordsFor({ ...target, database: 'billing', secretId: 'prod/ords/billing' });
    await ordsFor({ ...target, secretId: 'prod/ords/orders-again' });

    const tags = sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.Tags?.[0]?.Value);
    expect(tags).toEqual(['orders', 'billing']);
    // The third read, for orders again, reuses the orders session, not the billing one.
    expect(await keyOfRead(2)).toBe(await keyOfRead(0));
    expect(await keyOfRead(1)).not.toBe(await keyOfRead(0));
  });

  it('takes a new session when the cached one is about to expire', async () => {
    sts.reset();
    stsGrants(60);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: BASIC });
    await ordsFor(target);
    await ordsFor({ ...target, secretId: 'prod/ords/orders-again' });

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(await keyOfRead(1)).not.toBe(await keyOfRead(0));
  });

  it('fails with a SecretError naming the role and the database when the role cannot be assumed', async () => {
    sts.reset();
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('raw STS message'), { name: 'AccessDenied' }));
    const error = await ordsFor(target).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.Secret });
    expect((error as Error).message).toContain(
      `secret reader role ${ROLE} for database "orders" (AccessDenied)`,
    );
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('fails with a retried AwsUnavailableError when STS is throttled, and tries STS again next time', async () => {
    sts.reset();
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      );
    const error = await ordsFor(target).catch((e: Error) => e);
    expect(error).toMatchObject({ name: ErrorName.AwsUnavailable });

    stsGrants();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: BASIC });
    await expect(ordsFor(target)).resolves.toBeDefined();
  });

  it('refuses an STS answer without complete credentials', async () => {
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({ Credentials: undefined });
    const error = await ordsFor(target).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.Secret });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
