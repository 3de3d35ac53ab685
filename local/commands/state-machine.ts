import type { SFNClient } from '@aws-sdk/client-sfn';
import { NAME_PREFIX } from '../../infra/names.js';

/**
 * What the operator commands share: the deployed state machine they act on, the console links they
 * print and the small dependencies they take, so every path runs in tests without AWS.
 */

/** The environment variable that names the deployed state machine. */
export const STATE_MACHINE_ARN_VARIABLE = 'ORDS_BACKUP_STATE_MACHINE_ARN';

/** How to read the ARN from the deployed stack (the CfnOutput in infra/build-app.ts). */
export const HOW_TO_GET_THE_ARN =
  'aws cloudformation describe-stacks --stack-name OrdsDatapumpBackup ' +
  `--query "Stacks[0].Outputs[?OutputKey=='StateMachineArn'].OutputValue" --output text`;

/** Exit codes of the operator commands. */
export const ExitCode = {
  /** The command did what it was asked: the run succeeded, the runs are listed. */
  Ok: 0,
  /** The run the command started failed. */
  RunFailed: 1,
  /** Bad arguments, missing configuration or AWS refusing the request: the outcome is unknown. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad arguments or configuration: the command prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--prefix` as given, or a UsageError when no deployment can have that `namePrefix`. */
export function prefixFlag(prefix: string): string {
  if (NAME_PREFIX.test(prefix)) return prefix;
  throw new UsageError(
    `--prefix "${prefix}" is not a namePrefix: 1 to 31 of letters, digits and -, starting with a letter, not ending with -`,
  );
}

/** The part of the Step Functions client the commands use (an `SFNClient`, or a fake of one). */
export type SfnSender = Pick<SFNClient, 'send'>;

/** Where a command writes: `out` is stdout (the result), `err` is stderr (progress, errors). */
export interface Output {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** A state machine ARN, split into the parts the commands need. */
export interface StateMachineRef {
  readonly arn: string;
  readonly region: string;
  readonly name: string;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:([A-Za-z0-9_-]{1,80})$/;

/**
 * The state machine to act on: `--state-machine-arn`, else `ORDS_BACKUP_STATE_MACHINE_ARN`. Fails
 * with a message saying how to read the ARN from the stack when neither is set.
 */
export function resolveStateMachine(flag: string | undefined, env: NodeJS.ProcessEnv): StateMachineRef {
  const fromEnv = env[STATE_MACHINE_ARN_VARIABLE]?.trim();
  const arn = flag ?? (fromEnv === '' ? undefined : fromEnv);
  if (arn === undefined) {
    throw new UsageError(
      `No state machine: pass --state-machine-arn ARN or set ${STATE_MACHINE_ARN_VARIABLE}. ` +
        `The stack's StateMachineArn output has it:\n  ${HOW_TO_GET_THE_ARN}`,
    );
  }
  const match = STATE_MACHINE_ARN.exec(arn);
  if (!match) {
    const source = flag === undefined ? STATE_MACHINE_ARN_VARIABLE : '--state-machine-arn';
    throw new UsageError(
      `${source} "${arn}" is not a state machine ARN; expected arn:aws:states:<region>:<account>:stateMachine:<name>`,
    );
  }
  return { arn, region: match[1]!, name: match[2]! };
}

/**
 * The region to call: the state machine's own. A `--region` naming another one is refused, as every
 * call would fail with "does not exist".
 */
export function regionFor(machine: StateMachineRef, flag: string | undefined): string {
  if (flag !== undefined && flag !== machine.region) {
    throw new UsageError(`--region "${flag}" differs from the state machine's region "${machine.region}"`);
  }
  return machine.region;
}

/** The Step Functions console page of one execution. */
export function consoleLink(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** `5 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * Turns what AWS refused into a usage error (the state machine is missing, access is denied, no
 * credentials): the operator must fix the configuration, and the run's outcome is unknown.
 */
export function awsProblem(error: unknown, doing: string): UsageError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new UsageError(`${doing} failed: ${name}: ${message}`);
}
