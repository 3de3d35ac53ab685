import { z } from 'zod';
import { AwsUnavailableError, SecretError } from '../base/index.js';
import type { Logger, OrdsConnection, OrdsSecret } from '../ords/index.js';
import { parseOrdsSecret, tagSecretCommand } from '../ords/index.js';
import type { ConsistencyProbeRecord, DatabaseBinding } from '../run/index.js';
import { DATABASE_ID } from '../state/index.js';
import { checkEdition } from './doctor-edition.js';
import { sweepLeftoverProbes } from './doctor-leftovers.js';
import { checkOrds } from './doctor-ords.js';
import { checkPointInTimeProbe } from './doctor-probe.js';
import { type Check, failed, ok, skipped } from './doctor-report.js';
import { checkUndo } from './doctor-undo.js';

export type { Check, CheckStatus } from './doctor-report.js';

/**
 * The doctor: checks, from inside the deployment, everything a database's first backup needs — its
 * binding, its secret, that ORDS answers and accepts the credentials, that the user can list Data
 * Pump jobs, that the Data Pump directory exists, that a restore drill's schema is free and its
 * identity query answers — and says for each failure what to fix.
 * It never prints a secret value, and after a 401 it sends nothing more (the account would lock).
 */

/** The doctor's verdict on one database: `ok` when no check failed. */
export interface DoctorReport {
  readonly database: string;
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

/** What the doctor needs. Every AWS or ORDS call goes through these, so each path is testable. */
export interface DoctorDeps {
  /** The database's binding (`bindingFor`); throws `UnknownDatabaseError` or `AwsUnavailableError`. */
  readonly binding: (database: string) => Promise<DatabaseBinding>;
  /** The ids of the databases bound in this deployment, named when the id asked for is not one. */
  readonly knownDatabases: () => Promise<readonly string[]>;
  /** Where bindings are kept (`<path>/<database>`), for messages. */
  readonly bindingPath: string;
  /**
   * The secret's `SecretString`, read in a session tagged with the database; rejects with the AWS
   * SDK's own error, or `SecretError` when that session cannot be had.
   */
  readonly secretString: (secretId: string) => Promise<string | undefined>;
  /** A pool to the database's ORDS with its credentials (`connectOrds`). */
  readonly connect: (binding: DatabaseBinding, secret: OrdsSecret) => OrdsConnection;
  /**
   * The elapsed time of the database's last export (its manifest's final `Job` line), null when none
   * is recorded. @default - none: the undo check has no export to compare with
   */
  readonly lastExportSeconds?: (binding: DatabaseBinding) => Promise<number | null>;
  /**
   * The database's recorded point-in-time probe (`consistency-probe.json`), null when none.
   * @default - none: the probe check is skipped
   */
  readonly probeRecord?: (binding: DatabaseBinding) => Promise<ConsistencyProbeRecord | null>;
  readonly logger: Logger;
  /** The clock that names the tiny probe job. @default - the system clock */
  readonly now?: () => Date;
}

/** Names of the checks, in the order they run. */
export const CHECK_NAMES = [
  'Binding',
  'Secret',
  'ORDS answers',
  'Authentication',
  'Data Pump jobs',
  'REST-enabled SQL',
  'Data Pump directory',
  'Restore drill schema',
  'Drill identity',
  'Database grants',
  'Restore path',
  'Undo retention',
  'Leftover probe jobs',
  'Point-in-time probe',
  'Parallel degree',
] as const;

/** Runs every check of one database in order; a check whose input is missing is skipped with the reason. */
export async function runDoctor(deps: DoctorDeps, database: string): Promise<DoctorReport> {
  const checks: Check[] = [];
  const skipRest = (reason: string) => {
    for (const name of CHECK_NAMES.slice(checks.length)) checks.push(skipped(name, reason));
  };

  const bound = await checkBinding(deps, database);
  checks.push(bound.check);
  if (!bound.binding) {
    skipRest('needs the binding');
    return report(deps, database, checks);
  }
  const { binding } = bound;
  const read = await checkSecret(deps, binding);
  checks.push(read.check);
  if (!read.secret) {
    skipRest('needs a readable secret');
    return report(deps, database, checks);
  }

  const connection = deps.connect(binding, read.secret);
  try {
    const ordsChecks = await checkOrds(connection, binding, read.secret);
    checks.push(...ordsChecks);
    const restSqlRan = ordsChecks.some((check) => check.name === 'REST-enabled SQL' && check.status === 'ok');
    const lastExport = restSqlRan ? await lastExportSecondsOf(deps, binding) : null;
    checks.push(await checkUndo(connection.client, binding, restSqlRan, lastExport));
    const probeDeps = { client: connection.client, logger: deps.logger, now: deps.now ?? (() => new Date()) };
    checks.push(await sweepLeftoverProbes(probeDeps, binding, restSqlRan));
    const record = await probeRecordOf(deps, binding);
    checks.push(await checkPointInTimeProbe(probeDeps, binding, restSqlRan, record));
    checks.push(await checkEdition(connection.client, binding, restSqlRan));
  } finally {
    await connection.close();
  }
  return report(deps, database, checks);
}

/** The last export's elapsed time; null when none is recorded or it cannot be read (logged). */
async function lastExportSecondsOf(deps: DoctorDeps, binding: DatabaseBinding): Promise<number | null> {
  try {
    return (await deps.lastExportSeconds?.(binding)) ?? null;
  } catch (error) {
    deps.logger.warn('Could not read the last export for the undo check', {
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}

/** The recorded probe; null when none is recorded or it cannot be read (logged). */
async function probeRecordOf(
  deps: DoctorDeps,
  binding: DatabaseBinding,
): Promise<ConsistencyProbeRecord | null> {
  try {
    return (await deps.probeRecord?.(binding)) ?? null;
  } catch (error) {
    deps.logger.warn('Could not read the recorded consistency probe', {
      error: error instanceof Error ? error.message : String(error),
    });
    return null;
  }
}

function report(deps: DoctorDeps, database: string, checks: Check[]): DoctorReport {
  const result = { database, ok: checks.every((check) => check.status !== 'failed'), checks };
  deps.logger.info('Doctor finished', {
    database,
    ok: result.ok,
    failed: checks.filter((check) => check.status === 'failed').map((check) => check.name),
  });
  return result;
}

async function checkBinding(
  deps: DoctorDeps,
  database: string,
): Promise<{ check: Check; binding?: DatabaseBinding }> {
  const parameter = `${deps.bindingPath.replace(/\/+$/, '')}/${database}`;
  try {
    const binding = await deps.binding(database);
    const detail =
      `parameter ${parameter}: ORDS ${binding.ordsUrl}, secret "${binding.secretId}", ` +
      `directory ${binding.export.datapumpDir.toUpperCase()}, server cleanup ${binding.serverCleanup}`;
    return { check: ok('Binding', detail), binding };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof AwsUnavailableError) {
      return { check: failed('Binding', message, 'SSM did not answer in time: run the doctor again.') };
    }
    const known = await deps.knownDatabases().catch(() => null);
    if (known === null) {
      return {
        check: failed(
          'Binding',
          message,
          `Check the database id against the configuration and deploy it; bindings are kept under ${deps.bindingPath}.`,
        ),
      };
    }
    if (known.includes(database)) {
      return {
        check: failed(
          'Binding',
          message,
          `Redeploy the stack so that parameter ${parameter} is written again.`,
        ),
      };
    }
    const list = known.length === 0 ? 'none are deployed' : `deployed: ${listOf(known)}`;
    return {
      check: failed(
        'Binding',
        `${message} (${list})`,
        known.length === 0
          ? `Add "${database}" to the configuration (enabled) and deploy.`
          : `Use one of the deployed database ids (${listOf(known)}), or add "${database}" to the configuration and deploy.`,
      ),
    };
  }
}

function listOf(ids: readonly string[]): string {
  const shown = ids.slice(0, 20).join(', ');
  return ids.length > 20 ? `${shown} and ${ids.length - 20} more` : shown;
}

async function checkSecret(
  deps: DoctorDeps,
  binding: DatabaseBinding,
): Promise<{ check: Check; secret?: OrdsSecret }> {
  const { secretId } = binding;
  let secretString: string | undefined;
  try {
    secretString = await deps.secretString(secretId);
  } catch (error) {
    return { check: secretReadFailure(binding.database, secretId, error) };
  }
  try {
    const secret = parseOrdsSecret(secretId, secretString);
    const { credentials } = secret;
    const who =
      credentials.kind === 'basic'
        ? `Basic authentication as ${credentials.username}`
        : `OAuth2 client credentials of client ${credentials.clientId}`;
    const ca = secret.caBundle ? ', with a CA bundle' : '';
    return { check: ok('Secret', `secret "${secretId}" holds ${who}${ca}`), secret };
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    return {
      check: failed(
        'Secret',
        error.message,
        `Store {"username","password"} (or {"clientId","clientSecret"} for OAuth2) as the SecretString of secret "${secretId}".`,
      ),
    };
  }
}

/** A Secrets Manager refusal, by the SDK error's name: each has its own fix. */
function secretReadFailure(database: string, secretId: string, error: unknown): Check {
  if (error instanceof SecretError) {
    return failed(
      'Secret',
      error.message,
      'Deploy again; the secret reader role and its trust policy come with the deployment.',
    );
  }
  const name = (error as { name?: unknown }).name;
  const message = (error as { message?: unknown }).message;
  const said = `${String(name ?? 'Error')}: ${String(message ?? error)}`;
  const detail = `secret "${secretId}" could not be read (${said})`;
  switch (name) {
    case 'ResourceNotFoundException':
      return failed(
        'Secret',
        `secret "${secretId}" does not exist in this account and region, or has no current version`,
        `Create secret "${secretId}" in the deployment's region, or set the database's secretId to an existing secret and deploy.`,
      );
    case 'DecryptionFailure':
    case 'KMSAccessDeniedException':
      return failed(
        'Secret',
        detail,
        `Allow kms:Decrypt for the functions' roles (via Secrets Manager) in the key policy of the KMS key that encrypts secret "${secretId}".`,
      );
    case 'AccessDeniedException':
      // Secrets Manager reports a KMS refusal as AccessDenied naming KMS in its message.
      if (/\bkms\b/i.test(String(message ?? ''))) {
        return failed(
          'Secret',
          detail,
          `Allow kms:Decrypt for the functions' roles (via Secrets Manager) in the key policy of the KMS key that encrypts secret "${secretId}".`,
        );
      }
      return failed(
        'Secret',
        detail,
        `Tag the secret with its database: ${tagSecretCommand(secretId, database)} (the functions read a secret only through a session tagged with the database it serves), and check that the secret's resource policy does not deny them.`,
      );
    default:
      return failed(
        'Secret',
        detail,
        'Run the doctor again; if it persists, check Secrets Manager in this region.',
      );
  }
}

/** The doctor function's input: `{"database":"orders"}`. */
export const DoctorInputSchema = z.strictObject({ database: z.string().regex(DATABASE_ID) });
