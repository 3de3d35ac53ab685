import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { TemplateFunction } from './definition.js';

/**
 * The real handlers behind the Task states of a local run, each called with a Lambda-like context
 * whose remaining time counts down like the deployed function's.
 */

/** The handler module of each Task state: the same code the Lambda functions bundle. */
const TASK_HANDLERS: Readonly<Record<string, string>> = {
  'Start export': '../functions/handlers/start-export.js',
  'Take an ORDS slot': '../functions/handlers/start-export.js',
  'Take copy slots': '../functions/handlers/start-export.js',
  'Drop copy slots': '../functions/handlers/start-export.js',
  'Read job': '../functions/handlers/read-job.js',
  'Read log': '../functions/handlers/read-log.js',
  'Copy file': '../functions/handlers/copy-file.js',
  'Write manifest': '../functions/handlers/write-manifest.js',
  'Clean up server': '../functions/handlers/clean-up-server.js',
  'Remove dump files': '../functions/handlers/clean-up-server.js',
  'Record cleanup failure': '../functions/handlers/clean-up-server.js',
  'Record dump files left': '../functions/handlers/clean-up-server.js',
  'Release run lock': '../functions/handlers/clean-up-server.js',
  'Start restore drill': '../functions/handlers/restore-drill.js',
  'Read restore drill job': '../functions/handlers/read-job.js',
  'Drop drill schema': '../functions/handlers/restore-drill.js',
  'Record restore drill': '../functions/handlers/record-restore-drill.js',
  'Put drill files from S3': '../functions/handlers/restore-drill.js',
  'Start restore drill from S3': '../functions/handlers/restore-drill.js',
  'Read restore drill job from S3': '../functions/handlers/read-job.js',
  'Drop drill schema and files': '../functions/handlers/restore-drill.js',
  'Record restore drill from S3': '../functions/handlers/record-restore-drill.js',
  'Check off-site copy': '../functions/handlers/check-offsite-copy.js',
  'Record off-site failure': '../functions/handlers/check-offsite-copy.js',
  // The restore state machine ("Release run lock" is the backup's).
  'Take run lock and ORDS slot': '../functions/handlers/restore.js',
  'Check backup in S3': '../functions/handlers/restore.js',
  'Put files on the server': '../functions/handlers/restore.js',
  'Start import': '../functions/handlers/restore.js',
  'Read import job': '../functions/handlers/read-job.js',
  'Finish restore': '../functions/handlers/restore.js',
};

export type LocalHandler = (input: unknown) => Promise<unknown>;

/**
 * Binds every Task state to its real handler. Each call gets a Lambda context whose remaining time
 * counts down from the function's timeout (or `maxInvocationSeconds`). A thrown error reaches the
 * state machine as Lambda reports it: the error name, and a JSON cause with errorType and errorMessage.
 */
export async function bindHandlers(
  tasks: ReadonlyMap<string, TemplateFunction>,
  maxInvocationSeconds: number | undefined,
  endpointsChanged: boolean,
): Promise<Record<string, LocalHandler>> {
  const { resetClients } = await import('../functions/shared/clients.js');
  const { resetOrdsCache } = await import('../functions/shared/ords.js');
  const { resetBindingCache } = await import('../functions/shared/bindings.js');
  if (endpointsChanged) resetClients();
  resetOrdsCache();
  resetBindingCache();
  const bound: Record<string, LocalHandler> = {};
  for (const [stateName, fn] of tasks) {
    const modulePath = TASK_HANDLERS[stateName];
    if (!modulePath)
      throw new Error(`Task state "${stateName}" has no local handler: add it to TASK_HANDLERS`);
    const { handler } = (await import(modulePath)) as {
      handler: (event: unknown, context: Context) => Promise<unknown>;
    };
    const budgetSeconds = Math.min(fn.timeoutSeconds, maxInvocationSeconds ?? fn.timeoutSeconds);
    bound[stateName] = async (input) => {
      try {
        return await handler(input, lambdaContext(fn.logicalId, budgetSeconds));
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        const reported = new Error(
          JSON.stringify({
            errorType: err.name,
            errorMessage: err.message,
            trace: [`${err.name}: ${err.message}`],
          }),
        );
        reported.name = err.name;
        throw reported;
      }
    };
  }
  return bound;
}

function lambdaContext(functionName: string, budgetSeconds: number): Context {
  const deadline = Date.now() + budgetSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
