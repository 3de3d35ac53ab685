import type { TemplateFunction } from './definition.js';

/** What `configureEnvironment` needs: the template's functions and the local servers' endpoints. */
export interface EnvironmentSettings {
  readonly functions: readonly TemplateFunction[];
  readonly bucket: string;
  readonly s3Endpoint: string;
  readonly awsEndpoint: string;
  readonly embeddedS3: boolean;
  readonly maxInvocationSeconds: number | undefined;
  readonly logLevel: string;
}

/** The secret reader role's ARN as the local runs see it (the local STS accepts any role). */
const LOCAL_SECRET_READER_ROLE_ARN =
  'arn:aws:iam::000000000000:role/ords-datapump-backup-local-secret-reader';

/** The endpoints the last run's clients were built for. */
let lastEndpoints = '';

/**
 * The functions' environment as the template sets it (the bucket resolved to the local one), and the
 * SDK's endpoint settings pointing at the local servers. True when the endpoints changed since the
 * last run, so clients built for the old ones must go (runs sharing endpoints share clients, and may
 * run at the same time).
 */
export function configureEnvironment(settings: EnvironmentSettings): boolean {
  for (const fn of settings.functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (typeof value === 'string' || typeof value === 'number') process.env[name] = String(value);
    }
  }
  process.env.BUCKET_NAME = settings.bucket;
  process.env.AWS_ENDPOINT_URL_S3 = settings.s3Endpoint;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = settings.awsEndpoint;
  process.env.AWS_ENDPOINT_URL_SSM = settings.awsEndpoint;
  process.env.AWS_ENDPOINT_URL_SFN = settings.awsEndpoint;
  process.env.AWS_ENDPOINT_URL_STS = settings.awsEndpoint;
  // The template names the secret reader role by reference (a token); locally it is this ARN.
  process.env.SECRET_READER_ROLE_ARN = LOCAL_SECRET_READER_ROLE_ARN;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.POWERTOOLS_LOG_LEVEL = settings.logLevel;
  // Off unless the caller turned them on (the end-to-end tests read the EMF lines).
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  if (settings.embeddedS3) {
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    delete process.env.AWS_SESSION_TOKEN;
  } else {
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  if (settings.maxInvocationSeconds !== undefined) {
    // Keep a fifth of a short local budget as the copy step's safety margin (60 s in AWS).
    process.env.COPY_SAFETY_MARGIN_SECONDS = String(Math.max(0.5, settings.maxInvocationSeconds / 5));
  }
  const endpoints = `${settings.s3Endpoint} ${settings.awsEndpoint} ${process.env.AWS_ACCESS_KEY_ID}`;
  const changed = endpoints !== lastEndpoints;
  lastEndpoints = endpoints;
  return changed;
}
