import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { DEFAULT_NAME_PREFIX } from '../../infra/names.js';
import {
  awsProblem,
  HOW_TO_GET_THE_ARN,
  prefixFlag,
  resolveStateMachine,
  type SfnSender,
  STATE_MACHINE_ARN_VARIABLE,
  type StateMachineRef,
  UsageError,
} from './state-machine.js';

/** How the operator named the state machine on the command line. */
export interface StateMachineFlags {
  /** `--state-machine-arn`. */
  readonly arn?: string | undefined;
  /** `--prefix`: the deployment's `namePrefix`, which is the state machine's name. */
  readonly prefix?: string | undefined;
  /** `--region`: where to look the name up. */
  readonly region?: string | undefined;
}

/** At most this many pages of ListStateMachines (100 each) are read to find a name. */
const MAX_PAGES = 20;

/**
 * The state machine to act on: `--state-machine-arn`, else `ORDS_BACKUP_STATE_MACHINE_ARN`, else
 * the one named `--prefix` (default `ords-datapump-backup`, the deployment's `namePrefix`) in the
 * region, found with ListStateMachines. So `npm run backup-now -- orders` needs no ARN for a
 * deployment with the default prefix.
 */
export async function locateStateMachine(
  flags: StateMachineFlags,
  env: NodeJS.ProcessEnv,
  sfnFor: (region: string | undefined) => SfnSender,
): Promise<StateMachineRef> {
  if (flags.arn !== undefined && flags.prefix !== undefined) {
    throw new UsageError('--state-machine-arn and --prefix both name the state machine: give one');
  }
  const fromEnv = env[STATE_MACHINE_ARN_VARIABLE]?.trim();
  if (flags.arn !== undefined || (flags.prefix === undefined && fromEnv)) {
    return resolveStateMachine(flags.arn, env);
  }
  const name = flags.prefix === undefined ? DEFAULT_NAME_PREFIX : prefixFlag(flags.prefix);
  const sfn = sfnFor(flags.region);
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    let answer: Awaited<ReturnType<typeof listPage>>;
    try {
      answer = await listPage(sfn, nextToken);
    } catch (error) {
      throw awsProblem(error, `Looking up the state machine "${name}" (states:ListStateMachines)`);
    }
    const found = answer.stateMachines?.find((machine) => machine.name === name);
    if (found?.stateMachineArn) return resolveStateMachine(found.stateMachineArn, {});
    nextToken = answer.nextToken;
    if (!nextToken) break;
  }
  throw new UsageError(
    `No state machine named "${name}" in ${flags.region ? `region ${flags.region}` : "the SDK's region (AWS_REGION or the profile's)"}: ` +
      'deploy the stack, pass --prefix with your namePrefix, --region, or --state-machine-arn ARN ' +
      `(set ${STATE_MACHINE_ARN_VARIABLE} to skip the lookup). The stack's StateMachineArn output has it:\n  ${HOW_TO_GET_THE_ARN}`,
  );
}

function listPage(sfn: SfnSender, nextToken: string | undefined) {
  return sfn.send(new ListStateMachinesCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
}
