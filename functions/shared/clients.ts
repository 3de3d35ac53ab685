import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { copyS3ClientSettings } from '../core/transfer/index.js';
import { numberEnv } from './env.js';

// AWS SDK clients, built once per container. Endpoints come from the SDK's own settings
// (`AWS_ENDPOINT_URL_S3`, `…_SECRETS_MANAGER`, `…_SSM`, `…_SFN`, `…_STS`), so the same code reaches
// AWS or a local server. Secrets Manager has no shared client: each database's reads go through a
// client with the credentials of its own secret reader session (`secret-reader.ts`).

/**
 * Small control-plane calls: a hung connection must fail fast enough for the SDK's retries and the
 * state machine's to fit in the function's time, instead of the SDK's default of no timeout.
 */
export const FAST_FAIL = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

let s3: S3Client | undefined;
let sns: SNSClient | undefined;
let ssm: SSMClient | undefined;
let sfn: SFNClient | undefined;
let sts: STSClient | undefined;

/** The S3 client. */
export function s3Client(): S3Client {
  s3 ??= new S3Client({
    // S3-compatible servers reached through a custom endpoint rarely support virtual-host addressing.
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
    // Every upload carries a checksum we computed ourselves (Buffers with precomputed values): no
    // second checksum by the SDK; keep-alive connections for the parts in flight.
    ...copyS3ClientSettings(numberEnv('COPY_PARTS_IN_FLIGHT', 2)),
  });
  return s3;
}

/** The SNS client (failure alerts). */
export function snsClient(): SNSClient {
  sns ??= new SNSClient({});
  return sns;
}

/** The SSM client (database bindings). */
export function ssmClient(): SSMClient {
  ssm ??= new SSMClient({ requestHandler: FAST_FAIL });
  return ssm;
}

/** The Step Functions client (run locks). */
export function sfnClient(): SFNClient {
  sfn ??= new SFNClient({ requestHandler: FAST_FAIL });
  return sfn;
}

/** The STS client (the secret reader role's sessions). */
export function stsClient(): STSClient {
  sts ??= new STSClient({ requestHandler: FAST_FAIL });
  return sts;
}

/** Forgets the clients (the local runner starts each run as a fresh container). */
export function resetClients(): void {
  s3?.destroy();
  sns?.destroy();
  ssm?.destroy();
  sfn?.destroy();
  sts?.destroy();
  s3 = undefined;
  ssm = undefined;
  sfn = undefined;
  sts = undefined;
  sns = undefined;
}
