import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originSlots, takeSlots } from '../../../../functions/core/run/index.js';
import { releaseDatabaseSlots } from '../../../../local/commands/release-slots.js';
import { type LocalS3, startLocalS3 } from '../../../../local/s3/local-s3.js';
import { recordingLogger } from '../../../helpers/job-fakes.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3.stop());

const ARN = 'arn:aws:states:eu-central-1:123456789012:execution:backup:';
const ORIGIN = 'https://freed.example.com';

describe('release-lock frees the ORDS slots of a database', () => {
  it("frees the slots and queue places of the database's ended executions only, deployment slots included", async () => {
    const statuses = new Map([
      [`${ARN}orders_old`, 'TIMED_OUT'],
      [`${ARN}orders_now`, 'RUNNING'],
      [`${ARN}billing_1`, 'RUNNING'],
    ]);
    const deps = {
      s3: s3.client,
      bucket: s3.bucket,
      logger: recordingLogger(),
      executionStatus: async (arn: string) => statuses.get(arn) ?? 'GONE',
    };
    const take = (database: string, name: string, rank?: number) =>
      takeSlots(
        deps,
        {
          database,
          prefix: '',
          caps: { origin: ORIGIN, originCap: 2, deploymentCap: 10 },
          holder: { executionArn: `${ARN}${name}`, executionName: name, startedAt: new Date().toISOString() },
          ...(rank !== undefined ? { rank } : {}),
        },
        1,
        { held: [] },
        { queue: rank !== undefined },
      );
    // Statuses are read only when a slot is taken over: all three hold or wait here.
    statuses.set(`${ARN}orders_old`, 'RUNNING');
    await take('orders', 'orders_old');
    await take('billing', 'billing_1');
    await take('orders', 'orders_now', 0);
    statuses.set(`${ARN}orders_old`, 'TIMED_OUT');
    const keys = async () =>
      (
        (await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: '_slots/' }))).Contents ??
        []
      )
        .map((object) => object.Key!)
        .sort();
    const before = await keys();

    const freed = await releaseDatabaseSlots(
      { s3: s3.client, bucket: s3.bucket },
      'orders',
      '',
      async (arn) => statuses.get(arn) ?? 'GONE',
      false,
    );

    // The ended execution of orders lost its origin and deployment slot; the running one keeps its
    // queue place; billing's slot is not touched
    expect(freed.running).toEqual([`${ARN}orders_now`]);
    expect(freed.released).toHaveLength(2);
    expect(freed.released).toContain(`${originSlots('', ORIGIN)}0.json`);
    expect(await keys()).toEqual(before.filter((key) => !freed.released.includes(key)));
    expect(await keys()).toContain(`${originSlots('', ORIGIN)}waiting/000000-orders.json`);
  });
});
