import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { MissedRun } from '../core/run/index.js';
import { FAST_FAIL } from './clients.js';

let sqs: SQSClient | undefined;

/** SQS takes at most 10 messages per batch. */
const BATCH = 10;

/**
 * Puts runs that were not started into the missed-runs queue, one message per run naming the
 * database, the scheduled time and why (the queue's alarm notifies the operator). Throws when SQS
 * does not take every message, so the invocation fails and Lambda retries it.
 */
export async function sendMissedRuns(queueUrl: string, runs: readonly MissedRun[]): Promise<void> {
  sqs ??= new SQSClient({ requestHandler: FAST_FAIL });
  for (let start = 0; start < runs.length; start += BATCH) {
    const batch = runs.slice(start, start + BATCH);
    const answer = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((run, index) => ({ Id: String(index), MessageBody: JSON.stringify(run) })),
      }),
    );
    if ((answer.Failed ?? []).length > 0) {
      const databases = (answer.Failed ?? []).map((entry) => batch[Number(entry.Id)]?.database).join(', ');
      throw new Error(`The missed-runs queue did not take the runs of ${databases}`);
    }
  }
}
