import { PublishCommand } from '@aws-sdk/client-sns';
import { isBackupFailure } from '../core/base/index.js';
import { describeFailure, type ExecutionStatusEvent } from '../core/run/index.js';
import { snsClient } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { logger } from '../shared/logger.js';
import { recordBackupFailed } from '../shared/metrics.js';

/**
 * Invoked by EventBridge for every failed, timed-out or aborted backup execution: records
 * BackupSucceeded = 0 for its database (timeouts and aborts never reach the state machine's Catch)
 * and publishes the alert to the topic. Throws when publishing fails, so that EventBridge's
 * asynchronous invocation retries and finally keeps the event in the dead-letter queue.
 */
export const handler = async (event: ExecutionStatusEvent): Promise<{ readonly messageId?: string }> => {
  logger.resetKeys();
  const notice = describeFailure(event);
  logger.appendKeys({
    ...(notice.database ? { database: notice.database } : {}),
    ...(event.detail?.name ? { execution: event.detail.name } : {}),
  });
  // A failed restore drill alerts like any failure, but its backup is stored: RestoreDrillSucceeded says it.
  if (notice.database && isBackupFailure(event.detail?.error)) recordBackupFailed(notice.database);
  else logger.warn('No database in the execution input: no metric recorded', { status: notice.status });

  const { MessageId } = await snsClient().send(
    new PublishCommand({
      TopicArn: requiredEnv('TOPIC_ARN'),
      Subject: notice.subject,
      Message: notice.message,
    }),
  );
  logger.info('Alert published', { status: notice.status, messageId: MessageId });
  return MessageId ? { messageId: MessageId } : {};
};
