import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { locateStateMachine } from '../../../../local/commands/locate-state-machine.js';
import { UsageError } from '../../../../local/commands/state-machine.js';

const sfn = mockClient(SFNClient);
const ARN = (name: string) => `arn:aws:states:eu-central-1:123456789012:stateMachine:${name}`;
const machine = (name: string) => ({
  name,
  stateMachineArn: ARN(name),
  type: 'STANDARD' as const,
  creationDate: new Date(),
});
const regions: (string | undefined)[] = [];
const sfnFor = (region: string | undefined) => {
  regions.push(region);
  return new SFNClient({ region: region ?? 'eu-central-1' });
};

describe('locateStateMachine', () => {
  beforeEach(() => {
    sfn.reset();
    regions.length = 0;
  });

  it('finds the state machine named after the default prefix, across pages, without an ARN', async () => {
    // GIVEN two pages of state machines, ours on the second
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({ stateMachines: [machine('other')], nextToken: 'page-2' })
      .resolvesOnce({ stateMachines: [machine('ords-datapump-backup-x'), machine('ords-datapump-backup')] });

    // WHEN locating without flags / THEN the exact name is found, not one it is a prefix of
    const found = await locateStateMachine({}, {}, sfnFor);
    expect(found).toEqual({
      arn: ARN('ords-datapump-backup'),
      region: 'eu-central-1',
      name: 'ords-datapump-backup',
    });
    expect(sfn.commandCalls(ListStateMachinesCommand)[1]!.args[0].input).toMatchObject({
      nextToken: 'page-2',
    });
  });

  it('looks up --prefix in --region', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [machine('nonprod-backup')] });

    const found = await locateStateMachine({ prefix: 'nonprod-backup', region: 'eu-west-1' }, {}, sfnFor);
    expect(found.name).toBe('nonprod-backup');
    expect(regions).toEqual(['eu-west-1']);
  });

  it('uses an ARN from the flag or the environment without calling AWS', async () => {
    expect((await locateStateMachine({ arn: ARN('a') }, {}, sfnFor)).name).toBe('a');
    expect((await locateStateMachine({}, { ORDS_BACKUP_STATE_MACHINE_ARN: ARN('b') }, sfnFor)).name).toBe(
      'b',
    );
    expect(sfn.commandCalls(ListStateMachinesCommand)).toHaveLength(0);
  });

  it('lets --prefix win over the environment variable', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [machine('nonprod-backup')] });
    const env = { ORDS_BACKUP_STATE_MACHINE_ARN: ARN('prod') };
    expect((await locateStateMachine({ prefix: 'nonprod-backup' }, env, sfnFor)).name).toBe('nonprod-backup');
  });

  it('says what to do when no state machine has the name', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [machine('other')] });

    await expect(
      locateStateMachine({ prefix: 'nonprod-backup', region: 'eu-west-1' }, {}, sfnFor),
    ).rejects.toThrow(
      /No state machine named "nonprod-backup" in region eu-west-1: deploy the stack, pass --prefix/,
    );
  });

  it('refuses both --prefix and --state-machine-arn, and a prefix no deployment can have, before calling AWS', async () => {
    await expect(locateStateMachine({ prefix: 'a', arn: ARN('a') }, {}, sfnFor)).rejects.toThrow(UsageError);
    await expect(locateStateMachine({ prefix: 'bad_prefix' }, {}, sfnFor)).rejects.toThrow(
      /--prefix "bad_prefix"/,
    );
    expect(sfn.commandCalls(ListStateMachinesCommand)).toHaveLength(0);
  });

  it('names the permission when AWS refuses the lookup', async () => {
    sfn
      .on(ListStateMachinesCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));

    await expect(locateStateMachine({}, {}, sfnFor)).rejects.toThrow(
      'Looking up the state machine "ords-datapump-backup" (states:ListStateMachines) failed: AccessDeniedException: not allowed',
    );
  });
});
