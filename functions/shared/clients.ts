import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * AWS SDK clients, built once per container. Endpoints come from the SDK's own settings
 * (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_SNS`), so the same code reaches AWS or a
 * local server.
 */
let s3: S3Client | undefined;
let secretsManager: SecretsManagerClient | undefined;
let sns: SNSClient | undefined;
let sfn: SFNClient | undefined;
let ssm: SSMClient | undefined;

/** The S3 client. */
export function s3Client(): S3Client {
  s3 ??= new S3Client({
    // S3-compatible servers reached through a custom endpoint rarely support virtual-host addressing.
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
    // Every upload carries a checksum we computed ourselves (Buffers with precomputed values):
    // the SDK's own streaming checksums corrupt uploads on some S3-compatible servers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return s3;
}

/** The Secrets Manager client. */
export function secretsManagerClient(): SecretsManagerClient {
  secretsManager ??= new SecretsManagerClient({});
  return secretsManager;
}

/** The SNS client (failure alerts). */
export function snsClient(): SNSClient {
  sns ??= new SNSClient({});
  return sns;
}

/** The Step Functions client (the launcher starts executions). */
export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({});
  return sfn;
}

/** The SSM client (the backup-age check reads the database bindings). */
export function ssmClient(): SSMClient {
  ssm ??= new SSMClient({});
  return ssm;
}

/** Forgets the clients (the local runner starts each run as a fresh container). */
export function resetClients(): void {
  s3?.destroy();
  secretsManager?.destroy();
  sns?.destroy();
  sfn?.destroy();
  ssm?.destroy();
  s3 = undefined;
  secretsManager = undefined;
  sns = undefined;
  sfn = undefined;
  ssm = undefined;
}
