import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../../functions/core/doctor/doctor.js';
import { doctorFunctionName } from '../../../../infra/names.js';
import { describeReport, doctorFunctionOf, runDoctorCommand } from '../../../../local/commands/doctor.js';
import { UsageError } from '../../../../local/commands/state-machine.js';

const lambda = mockClient(LambdaClient);
const FUNCTION = doctorFunctionName();

function harness() {
  const out: string[] = [];
  const err: string[] = [];
  const deps = {
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    out: (line: string) => out.push(line),
    err: (line: string) => err.push(line),
  };
  return { deps, out, err };
}

// The SDK hands back a Uint8Array subclass; the command only decodes its bytes.
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

const FAILED: DoctorReport = {
  database: 'orders',
  ok: false,
  checks: [
    { name: 'Binding', status: 'ok', detail: 'parameter /ords-datapump-backup/databases/orders' },
    {
      name: 'Authentication',
      status: 'failed',
      detail: 'ORDS answered 401 for user DBAPI_USER',
      fix: 'Put the current password of database user DBAPI_USER into secret "prod/ords/orders".',
    },
    { name: 'Data Pump jobs', status: 'skipped', detail: 'needs accepted credentials' },
  ],
};
const PASSED: DoctorReport = {
  database: 'orders',
  ok: true,
  checks: [{ name: 'Binding', status: 'ok', detail: 'parameter /ords-datapump-backup/databases/orders' }],
};

beforeEach(() => {
  lambda.reset();
});

describe('npm run doctor', () => {
  it('invokes the doctor function synchronously with the database only and exits 0 when all checks pass', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(PASSED) });
    const { deps, out } = harness();

    const code = await runDoctorCommand(deps, { database: 'orders', functionName: FUNCTION, json: false });

    expect(code).toBe(0);
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      FunctionName: 'ords-datapump-backup-doctor',
      InvocationType: 'RequestResponse',
    });
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ database: 'orders' });
    expect(out).toEqual([
      'Doctor of database orders:',
      '  ✓ Binding: parameter /ords-datapump-backup/databases/orders',
      'All checks passed.',
    ]);
  });

  it('prints ✗ with the fix under a failed check, – for a skipped one, and exits 1', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(FAILED) });
    const { deps, out } = harness();

    const code = await runDoctorCommand(deps, { database: 'orders', functionName: FUNCTION, json: false });

    expect(code).toBe(1);
    expect(out).toEqual(describeReport(FAILED));
    expect(out).toEqual([
      'Doctor of database orders:',
      '  ✓ Binding: parameter /ords-datapump-backup/databases/orders',
      '  ✗ Authentication: ORDS answered 401 for user DBAPI_USER',
      '      fix: Put the current password of database user DBAPI_USER into secret "prod/ords/orders".',
      '  – Data Pump jobs: needs accepted credentials',
      '1 check failed (1 skipped): fix it and run the doctor again.',
    ]);
  });

  it('prints the report as one JSON line with --json', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(FAILED) });
    const { deps, out } = harness();

    const code = await runDoctorCommand(deps, { database: 'orders', functionName: FUNCTION, json: true });

    expect(code).toBe(1);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toEqual(FAILED);
  });

  it('fails with exit 2 and says to deploy or pass --function-name when the function does not exist', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    const { deps } = harness();

    const error = await runDoctorCommand(deps, {
      database: 'orders',
      functionName: FUNCTION,
      json: false,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /"ords-datapump-backup-doctor" does not exist .*deploy the stack/,
    );
    expect((error as Error).message).toContain('--function-name');
    expect((error as Error).message).toContain('DoctorFunctionName');
  });

  it('fails with exit 2 and prints the function error when the function itself failed', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'InvalidInputError', errorMessage: 'The input of "Doctor" is invalid' }),
    });
    const { deps } = harness();

    await expect(
      runDoctorCommand(deps, { database: 'orders', functionName: FUNCTION, json: false }),
    ).rejects.toThrow(/failed: InvalidInputError: The input of "Doctor" is invalid/);
  });

  it('fails with exit 2 on an answer that is not a report, as from another function of that name', async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: payload({ statusCode: 200, body: 'hello' }) });
    const { deps } = harness();

    await expect(
      runDoctorCommand(deps, { database: 'orders', functionName: FUNCTION, json: false }),
    ).rejects.toThrow(/answered something that is not a doctor report/);
  });

  it('fails with exit 2 when AWS refuses the call, naming the function', async () => {
    lambda.on(InvokeCommand).rejects(
      Object.assign(new Error('not authorized to perform: lambda:InvokeFunction'), {
        name: 'AccessDeniedException',
      }),
    );
    const { deps } = harness();

    await expect(
      runDoctorCommand(deps, { database: 'orders', functionName: FUNCTION, json: false }),
    ).rejects.toThrow(
      /Invoking the doctor function "ords-datapump-backup-doctor" failed: AccessDeniedException/,
    );
  });

  it('fails a database id that cannot be one before calling AWS', async () => {
    const { deps } = harness();

    await expect(
      runDoctorCommand(deps, { database: 'Orders; rm -rf', functionName: FUNCTION, json: false }),
    ).rejects.toBeInstanceOf(UsageError);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});

describe('the doctor function npm run doctor invokes', () => {
  it('is <prefix>-doctor for --prefix, so a second deployment is found by its prefix', () => {
    expect(doctorFunctionOf({ prefix: 'nonprod-backup' }, undefined)).toBe('nonprod-backup-doctor');
  });

  it('is --function-name as given, else the environment variable, else the default prefix', () => {
    expect(doctorFunctionOf({ functionName: 'my-doctor' }, 'from-env')).toBe('my-doctor');
    expect(doctorFunctionOf({}, ' from-env ')).toBe('from-env');
    expect(doctorFunctionOf({}, '  ')).toBe(doctorFunctionName());
  });

  it('refuses both flags at once and a prefix no deployment can have, naming it', () => {
    expect(() => doctorFunctionOf({ prefix: 'a', functionName: 'b' }, undefined)).toThrow(UsageError);
    expect(() => doctorFunctionOf({ prefix: 'bad_prefix-' }, undefined)).toThrow(/--prefix "bad_prefix-"/);
  });
});
