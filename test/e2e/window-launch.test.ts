import { ExecutionAlreadyExists, type SFNClient, type StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrder } from '../../functions/core/fleet/index.js';
import { readLastBackup } from '../../functions/core/manifest/index.js';
import { type MissedRun, type StartWindowInput, startWindow } from '../../functions/core/run/index.js';
import type { LocalRunResult } from '../../local/local-run-options.js';
import { recordingLogger } from '../helpers/job-fakes.js';
import { type Harness, startHarness } from './harness.js';

const DATABASES = ['win-b', 'win-a'];

describe('a night window launched by "Start window", through the synthesized state machine', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ dumpFiles: 2, dumpFileBytes: 4096 });
  });
  afterAll(() => h.stop());

  /** Step Functions as the launcher sees it: each StartExecution runs the execution locally to its end. */
  function localStepFunctions() {
    const names = new Set<string>();
    const results = new Map<string, LocalRunResult>();
    const sfn = {
      send: async (command: StartExecutionCommand) => {
        const { name, input } = command.input;
        if (names.has(name!))
          throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
        names.add(name!);
        const execution = JSON.parse(input!);
        results.set(
          name!,
          await h.run({
            database: execution.database,
            scheduledTime: execution.scheduledTime,
            window: execution.window,
            executionName: name!,
          }),
        );
        return { executionArn: `arn:aws:states:us-east-1:000000000000:execution:local:${name}` };
      },
    } as unknown as SFNClient;
    return { sfn, results };
  }

  it('starts each database once under its scheduled name, records its size and duration, and refuses a second delivery', async () => {
    // GIVEN a one-hour UTC window that opened this minute, as its schedule delivers it
    const opening = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const input: StartWindowInput = {
      window: { start: opening.toISOString().slice(11, 16), hours: 1, timeZone: 'UTC' },
      databases: DATABASES,
      scheduledTime: opening.toISOString().replace('.000Z', 'Z'),
    };
    const { sfn, results } = localStepFunctions();
    const missed: MissedRun[] = [];
    const deps = {
      sfn,
      s3: h.s3.client,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:local',
      bucket: h.s3.bucket,
      pins: Object.fromEntries(DATABASES.map((id) => [id, { ordsUrl: h.simulator.url, prefix: '' }])),
      logger: recordingLogger(),
      now: () => new Date(),
      sendMissed: async (runs: readonly MissedRun[]) => {
        missed.push(...runs);
      },
    };

    // WHEN the window starts (nothing recorded yet: by id)
    const night = await startWindow(deps, input);

    // THEN both ran to a verified backup, by id, each with its place in the window
    expect(night.order).toEqual(['win-a', 'win-b']);
    expect(missed).toEqual([]);
    const stamp = input.scheduledTime.replace(/[-:]/g, '');
    for (const [rank, database] of night.order.entries()) {
      const result = results.get(`${database}_${stamp}`)!;
      expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
      expect(result.input.window).toEqual({ closesAt: night.closesAt, rank });
      // Named like a scheduled run, so the run counts as started by its schedule.
      expect(result.manifest!.startedBy).toBe('schedule');
      await h.expectStoredAsServed(result);
      const record = await readLastBackup({ s3: h.s3.client, bucket: h.s3.bucket }, { prefix: '', database });
      expect(record?.totalBytes).toBe(result.manifest!.totalBytes);
      expect(record?.durationSeconds).toBeGreaterThanOrEqual(0);
    }

    // WHEN the same night is delivered again (a Scheduler retry)
    const again = await startWindow(deps, input);

    // THEN nothing starts twice, and the order now follows the recorded runs
    expect(again.started).toEqual([]);
    expect([...again.alreadyStarted].sort()).toEqual(['win-a', 'win-b']);
    const histories = await Promise.all(
      DATABASES.map(async (id) => {
        const record = (await readLastBackup(
          { s3: h.s3.client, bucket: h.s3.bucket },
          { prefix: '', database: id },
        ))!;
        return {
          id,
          history: { totalBytes: [record.totalBytes!], durationSeconds: [record.durationSeconds!] },
        };
      }),
    );
    expect(again.order).toEqual(startOrder(histories));
  });
});
