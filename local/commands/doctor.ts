import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Check, DoctorReport } from '../../functions/core/doctor/index.js';
import { DATABASE_ID } from '../../functions/core/state/index.js';
import { doctorFunctionName } from '../../infra/names.js';
import { awsProblem, ExitCode, type Output, prefixFlag, UsageError } from './state-machine.js';

/**
 * `npm run doctor`: invokes the deployed doctor function for one database and prints its checks,
 * one line each with what to fix, so every path runs in tests with a mocked Lambda client.
 */

/** The environment variable that names the doctor function. */
export const DOCTOR_FUNCTION_VARIABLE = 'ORDS_BACKUP_DOCTOR_FUNCTION';

/** How to read the function's name from the deployed stack (the CfnOutput in infra/build-app.ts). */
export const HOW_TO_GET_THE_FUNCTION =
  'aws cloudformation describe-stacks --stack-name OrdsDatapumpBackup ' +
  `--query "Stacks[0].Outputs[?OutputKey=='DoctorFunctionName'].OutputValue" --output text`;

/** What the command needs: Lambda, and where to write. */
/**
 * The doctor function to invoke: `--function-name`, else `<--prefix>-doctor`, else the
 * environment variable's, else the default prefix's. Fails for both flags at once and for a prefix
 * no deployment can have.
 */
export function doctorFunctionOf(
  flags: { readonly functionName?: string | undefined; readonly prefix?: string | undefined },
  fromEnv: string | undefined,
): string {
  const { functionName, prefix } = flags;
  if (prefix !== undefined && functionName !== undefined) {
    throw new UsageError('--prefix and --function-name both name the doctor function: give one');
  }
  if (functionName !== undefined) return functionName;
  if (prefix !== undefined) return doctorFunctionName(prefixFlag(prefix));
  const env = fromEnv?.trim();
  return env ? env : doctorFunctionName();
}

export interface DoctorCommandDeps extends Output {
  readonly lambda: Pick<LambdaClient, 'send'>;
}

/** What the command was asked. */
export interface DoctorCommandOptions {
  readonly database: string;
  readonly functionName: string;
  /** Print the report as one JSON line on stdout instead of the check lines. */
  readonly json: boolean;
}

const MARK: Record<string, string> = { ok: '✓', failed: '✗', skipped: '–' };

/**
 * Invokes the doctor function (RequestResponse) with `{"database"}` and prints the report. Returns
 * 0 when every check passed, 1 when one failed; throws `UsageError` (exit 2) when the function
 * cannot be invoked or fails itself.
 */
export async function runDoctorCommand(
  deps: DoctorCommandDeps,
  options: DoctorCommandOptions,
): Promise<ExitCode> {
  const { database, functionName } = options;
  if (!DATABASE_ID.test(database)) {
    throw new UsageError(
      `database "${database}" is not a database id; allowed: 2 to 32 of a-z, 0-9 and -, starting with a letter`,
    );
  }
  let answer: { FunctionError?: string; Payload?: Uint8Array };
  try {
    answer = await deps.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ database })),
      }),
    );
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') {
      throw new UsageError(
        `The doctor function "${functionName}" does not exist in this account and region: deploy the stack, ` +
          `or pass --function-name (or set ${DOCTOR_FUNCTION_VARIABLE}) with the stack's DoctorFunctionName output:\n  ${HOW_TO_GET_THE_FUNCTION}`,
      );
    }
    throw awsProblem(error, `Invoking the doctor function "${functionName}"`);
  }
  const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
  if (answer.FunctionError) {
    const failure = parseObject(text) as { errorType?: unknown; errorMessage?: unknown } | null;
    const said =
      typeof failure?.errorMessage === 'string'
        ? `${String(failure.errorType ?? answer.FunctionError)}: ${failure.errorMessage}`
        : `${answer.FunctionError}: ${text.slice(0, 500)}`;
    throw new UsageError(`The doctor function "${functionName}" failed: ${said}`);
  }
  const report = parseReport(text);
  if (report === null) {
    throw new UsageError(
      `The doctor function "${functionName}" answered something that is not a doctor report: ${text.slice(0, 200)}`,
    );
  }
  return printReport(deps, report, options.json);
}

/** Prints the report (its lines, or one JSON line) and returns the exit code: 0 all passed, 1 a check failed. */
export function printReport(output: Output, report: DoctorReport, json: boolean): ExitCode {
  if (json) {
    output.out(JSON.stringify(report));
  } else {
    for (const line of describeReport(report)) output.out(line);
  }
  return report.ok ? ExitCode.Ok : ExitCode.RunFailed;
}

/** The report as lines: a heading, one line per check (✓ ok, ✗ failed, – skipped), each fix below its failure. */
export function describeReport(report: DoctorReport): string[] {
  const lines = [`Doctor of database ${report.database}:`];
  for (const check of report.checks) {
    lines.push(`  ${MARK[check.status] ?? '?'} ${check.name}: ${check.detail}`);
    if (check.fix) lines.push(`      fix: ${check.fix}`);
  }
  const failedCount = report.checks.filter((check) => check.status === 'failed').length;
  const skippedCount = report.checks.filter((check) => check.status === 'skipped').length;
  const skippedNote = skippedCount > 0 ? ` (${skippedCount} skipped)` : '';
  lines.push(
    failedCount === 0
      ? `All checks passed${skippedNote}.`
      : `${failedCount} check${failedCount === 1 ? '' : 's'} failed${skippedNote}: fix ${failedCount === 1 ? 'it' : 'them'} and run the doctor again.`,
  );
  return lines;
}

function parseObject(text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

function parseReport(text: string): DoctorReport | null {
  const value = parseObject(text) as Partial<DoctorReport> | null;
  if (!value || typeof value.database !== 'string' || typeof value.ok !== 'boolean') return null;
  if (!Array.isArray(value.checks) || !value.checks.every(isCheck)) return null;
  return value as DoctorReport;
}

function isCheck(value: unknown): value is Check {
  const check = value as Partial<Check> | null;
  return (
    typeof check?.name === 'string' &&
    typeof check.detail === 'string' &&
    ['ok', 'failed', 'skipped'].includes(String(check.status)) &&
    (check.fix === undefined || typeof check.fix === 'string')
  );
}
