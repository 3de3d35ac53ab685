import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Duration, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/shared/metrics.js';

/** The repository root: handlers are bundled from `functions/handlers/`, with its lock file. */
const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Whether the construct runs from its TypeScript source (this repository: tests, `npm start`,
 * `cdk synth`), or compiled from the npm package, where `functions/` is absent.
 */
const FROM_SOURCE = import.meta.filename.endsWith('.ts');

/**
 * The handler bundles the package ships, `lambda/<handler>/index.mjs` next to the packaged
 * construct (`dist/index.js`); built by `npm run build` with the same esbuild settings as `BUNDLING`.
 */
export const PREBUILT_HANDLERS = join(import.meta.dirname, 'lambda');

/** The Lambda runtime of every function; the bundles target its Node.js version. */
export const RUNTIME = Runtime.NODEJS_24_X;

/**
 * Bundling of every handler: one minified ESM file with a source map, the AWS SDK included (the
 * versions we test are the versions we run), built by the local esbuild (never Docker).
 */
export const BUNDLING: BundlingOptions = {
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

/** `NODE_OPTIONS` of every function: source-mapped stack traces. */
export const COMMON_NODE_OPTIONS = '--enable-source-maps';

/** Environment every function gets (Powertools settings, source-mapped stack traces). */
const COMMON_ENVIRONMENT: Readonly<Record<string, string>> = {
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  NODE_OPTIONS: COMMON_NODE_OPTIONS,
};

/** Where the functions that call ORDS run. */
export interface OrdsNetwork {
  readonly vpc: IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: SubnetSelection;
  readonly securityGroups: readonly ISecurityGroup[];
}

/** What every function of one deployment shares. */
export interface FunctionSettings {
  /** How long the function's logs are kept. */
  readonly logRetention: RetentionDays;
  /**
   * The Powertools service name: the `service` dimension of every metric and the logs' service.
   * @default 'ords-datapump-backup'
   */
  readonly serviceName?: string;
  /**
   * Where the functions that call ORDS (`callsOrds`) run. The others always run outside a VPC.
   * @default - outside any VPC
   */
  readonly ordsNetwork?: OrdsNetwork;
}

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
  /**
   * Whether the function calls ORDS: it then runs in `FunctionSettings.ordsNetwork`, when given.
   * @default false
   */
  readonly callsOrds?: boolean;
  /** The role's name, for a role another account's policies name before it exists. @default - generated */
  readonly roleName?: string;
}

/**
 * One function as every function of this project is built: the handler bundled by the local
 * esbuild (from source in this repository, prebuilt in the npm package), ARM64, the newest Node.js runtime, active tracing, its own log group (kept
 * `logRetention`) and its own role that may write only that log group. A function that calls ORDS
 * runs in the ORDS network when there is one; its role then also gets the managed policy Lambda
 * needs to attach it to the subnets.
 */
export function backupFunction(
  scope: Construct,
  spec: FunctionSpec,
  settings: FunctionSettings,
): LambdaFunction {
  const logGroup = new LogGroup(scope, `${spec.id}Logs`, { retention: settings.logRetention });
  // An own role instead of AWSLambdaBasicExecutionRole: writes to its own log group only.
  const role = new Role(scope, `${spec.id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `Role of the ${spec.id} function of ords-datapump-backup`,
    ...(spec.roleName ? { roleName: spec.roleName } : {}),
  });
  logGroup.grantWrite(role);
  const network = spec.callsOrds ? settings.ordsNetwork : undefined;
  if (network) {
    role.addManagedPolicy(
      ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason: 'The network interface permissions Lambda needs to run the function in the given subnets.',
    });
  }
  const common = {
    ...(spec.functionName ? { functionName: spec.functionName } : {}),
    description: spec.description,
    runtime: RUNTIME,
    architecture: Architecture.ARM_64,
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    role,
    logGroup,
    tracing: Tracing.ACTIVE,
    environment: {
      ...COMMON_ENVIRONMENT,
      POWERTOOLS_SERVICE_NAME: settings.serviceName ?? SERVICE_NAME,
      ...spec.environment,
    },
    ...(network
      ? {
          vpc: network.vpc,
          ...(network.vpcSubnets ? { vpcSubnets: network.vpcSubnets } : {}),
          securityGroups: [...network.securityGroups],
        }
      : {}),
    ...(spec.deadLetterQueue ? { deadLetterQueue: spec.deadLetterQueue } : {}),
    ...(spec.retryAttempts !== undefined ? { retryAttempts: spec.retryAttempts } : {}),
    ...(spec.maxEventAge ? { maxEventAge: spec.maxEventAge } : {}),
  };
  const fn = FROM_SOURCE
    ? new NodejsFunction(scope, spec.id, {
        ...common,
        entry: join(PROJECT_ROOT, 'functions', 'handlers', spec.entry),
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
        bundling: BUNDLING,
      })
    : new LambdaFunction(scope, spec.id, {
        ...common,
        code: Code.fromAsset(prebuiltHandler(spec.entry)),
        handler: 'index.handler',
      });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
  });
  return fn;
}

/** The folder of a handler's prebuilt bundle in the package; throws naming it when it is absent. */
export function prebuiltHandler(entry: string): string {
  const folder = join(PREBUILT_HANDLERS, entry.replace(/\.ts$/, ''));
  if (!existsSync(join(folder, 'index.mjs'))) {
    throw new Error(
      `The prebuilt bundle of the handler ${entry} is missing: no ${join(folder, 'index.mjs')}. ` +
        'The package was built without `npm run build`.',
    );
  }
  return folder;
}
