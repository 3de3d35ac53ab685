import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import {
  AwsUnavailableError,
  DatabaseBusyError,
  describeAwsError,
  isTransientAwsError,
} from '../core/base/index.js';
import { sfnClient } from './clients.js';

/**
 * The status of an execution, as the run lock needs it: `GONE` when Step Functions no longer knows
 * it (executions are kept 90 days), so its lock can be taken over.
 */
export async function executionStatus(executionArn: string): Promise<string> {
  try {
    const { status } = await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    return status ?? 'GONE';
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ExecutionDoesNotExist') return 'GONE';
    if (isTransientAwsError(error)) {
      throw new AwsUnavailableError(
        `Step Functions could not describe ${executionArn}: ${describeAwsError(error)}`,
        {
          cause: error,
        },
      );
    }
    throw new DatabaseBusyError(
      `The run lock is held by ${executionArn}, whose status cannot be read (${describeAwsError(error)}): ` +
        'not starting an export',
      { cause: error },
    );
  }
}
