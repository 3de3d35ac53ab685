import { join, resolve } from 'node:path';
import { type Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/shared/metrics.js';

/** The repository root: handlers are bundled from `functions/handlers/`, with its lock file. */
const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Bundling of every handler: one minified ESM file with a source map, the AWS SDK included (the
 * versions we test are the versions we run), built by the local esbuild (never Docker).
 */
const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  externalModules: [],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  forceDockerBundling: false,
};

/** Environment every function gets (Powertools settings, source-mapped stack traces). */
const COMMON_ENVIRONMENT: Readonly<Record<string, string>> = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  NODE_OPTIONS: '--enable-source-maps',
};

/** Settings of one function. */
export interface FunctionSpec {
  /** Construct id of the function; its log group and role are `<id>Logs` and `<id>Role`. */
  readonly id: string;
  /** The function's physical name. @default - a name CloudFormation generates */
  readonly functionName?: string;
  /** The handler file in `functions/handlers/`. */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Readonly<Record<string, string>>;
  /** Where failed asynchronous invocations go. @default - none (the function is invoked synchronously) */
  readonly deadLetterQueue?: IQueue;
  /** Retries of a failed asynchronous invocation. @default - Lambda's default (2) */
  readonly retryAttempts?: number;
  /** How long an asynchronous invocation may wait to run. @default - Lambda's default (6 hours) */
  readonly maxEventAge?: Duration;
}

/**
 * One function as every function of this project is built: the handler bundled by the local
 * esbuild, ARM64, the newest Node.js runtime, active tracing, its own log group (kept
 * `logRetention`) and its own role that may write only that log group.
 */
export function backupFunction(
  scope: Construct,
  spec: FunctionSpec,
  logRetention: RetentionDays,
): NodejsFunction {
  const logGroup = new LogGroup(scope, `${spec.id}Logs`, { retention: logRetention });
  // An own role instead of AWSLambdaBasicExecutionRole: writes to its own log group only.
  const role = new Role(scope, `${spec.id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Role of the ${spec.id} function of ords-datapump-backup`,
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, spec.id, {
    entry: join(PROJECT_ROOT, 'functions', 'handlers', spec.entry),
    handler: 'handler',
    ...(spec.functionName ? { functionName: spec.functionName } : {}),
    description: spec.description,
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    role,
    logGroup,
    tracing: Tracing.ACTIVE,
    environment: { ...COMMON_ENVIRONMENT, ...spec.environment },
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    bundling: BUNDLING,
    ...(spec.deadLetterQueue ? { deadLetterQueue: spec.deadLetterQueue } : {}),
    ...(spec.retryAttempts !== undefined ? { retryAttempts: spec.retryAttempts } : {}),
    ...(spec.maxEventAge ? { maxEventAge: spec.maxEventAge } : {}),
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
  });
  return fn;
}
