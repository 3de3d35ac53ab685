import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorName, RETRYABLE_ERRORS } from '../../../functions/core/base/errors.js';
import { resetClients } from '../../../functions/shared/clients.js';
import { ordsFor, resetOrdsCache } from '../../../functions/shared/ords.js';

const secrets = mockClient(SecretsManagerClient);
const target = { ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/', secretId: 'prod/ords/orders' };

describe('reading the ORDS secret', () => {
  beforeEach(() => {
    secrets.reset();
    resetClients();
    resetOrdsCache();
    process.env.AWS_REGION = 'eu-central-1';
  });

  it.each([
    ['ResourceNotFoundException', 'does not exist'],
    ['AccessDeniedException', 'Not allowed to read secret'],
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
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"DBAPI_USER","password":"pw"}' });
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
});
