import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorName } from '../../../functions/core/base/errors.js';
import { resetClients } from '../../../functions/shared/clients.js';
import { ordsFor, resetOrdsCache } from '../../../functions/shared/ords.js';
import { type LocalAwsServer, startLocalAwsServer } from '../../../local/aws-server.js';

/**
 * The local AWS server answers STS AssumeRole with the session tag recorded and, like the secret
 * reader role's policy, gives a secret only to a session tagged with the secret's database: the
 * local runs read secrets by the same path as in AWS, and a missing tag fails there as it would.
 */
describe('secret sessions on the local AWS server', () => {
  let aws: LocalAwsServer;
  const saved = { ...process.env };
  const SECRET = JSON.stringify({ username: 'DBAPI_USER', password: 'pw' });
  const target = (database: string, secretId: string) => ({
    database,
    ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
    secretId,
  });

  beforeAll(async () => {
    aws = await startLocalAwsServer();
    aws.putSecret('prod/ords/orders', SECRET, 'orders');
    aws.putSecret('prod/ords/billing', SECRET, 'billing');
    aws.putSecret('prod/ords/untagged', SECRET);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_STS: aws.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      SECRET_READER_ROLE_ARN: 'arn:aws:iam::000000000000:role/secret-reader',
    });
  });
  afterAll(async () => {
    process.env = saved;
    resetClients();
    resetOrdsCache();
    await aws.stop();
  });
  beforeEach(() => {
    resetClients();
    resetOrdsCache();
    (aws.calls as string[]).length = 0;
  });

  it('reads a database secret in a session tagged with the database, recorded with its tag', async () => {
    await expect(ordsFor(target('orders', 'prod/ords/orders'))).resolves.toBeDefined();

    expect(aws.calls).toEqual([
      'sts.AssumeRole ords-datapump-backup:database=orders',
      'secretsmanager.GetSecretValue prod/ords/orders',
    ]);
    expect(aws.sessions.at(-1)).toMatchObject({
      roleArn: 'arn:aws:iam::000000000000:role/secret-reader',
      sessionName: 'ords-backup-orders',
      tags: { 'ords-datapump-backup:database': 'orders' },
    });
  });

  it("refuses database A's session B's secret, and says how to tag a secret", async () => {
    const error = await ordsFor(target('orders', 'prod/ords/billing')).catch((e: Error) => e);

    expect(error).toMatchObject({ name: ErrorName.Secret });
    expect((error as Error).message).toContain(
      'Not allowed to read secret "prod/ords/billing" for database "orders": tag the secret',
    );
  });

  it('refuses a secret without the tag to every session', async () => {
    const error = await ordsFor(target('orders', 'prod/ords/untagged')).catch((e: Error) => e);

    expect((error as Error).message).toContain(
      "aws secretsmanager tag-resource --secret-id 'prod/ords/untagged' --tags Key=ords-datapump-backup:database,Value=orders",
    );
  });

  it('refuses a read signed with the account keys, outside any session', async () => {
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const direct = new SecretsManagerClient({});
    try {
      const error = await direct
        .send(new GetSecretValueCommand({ SecretId: 'prod/ords/orders' }))
        .catch((e: Error) => e);
      expect(error).toMatchObject({ name: 'AccessDeniedException' });
    } finally {
      direct.destroy();
    }
  });
});
