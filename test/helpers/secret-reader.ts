import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

/**
 * Lets unit tests that mock Secrets Manager pass through the secret reader role: sets
 * `SECRET_READER_ROLE_ARN` and answers every STS `AssumeRole` with a session of a quarter hour.
 * Returns the STS mock, to inspect the calls; `reset()` it with the test's other mocks.
 */
export function mockSecretReader(): AwsClientStub<STSClient> {
  process.env.SECRET_READER_ROLE_ARN = 'arn:aws:iam::111122223333:role/secret-reader';
  const sts = mockClient(STSClient);
  sts.on(AssumeRoleCommand).callsFake(() => ({
    Credentials: {
      AccessKeyId: 'ASIATEST',
      SecretAccessKey: 'session-secret',
      SessionToken: 'session-token',
      Expiration: new Date(Date.now() + 900_000),
    },
  }));
  return sts;
}
