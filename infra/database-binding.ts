import { Token } from 'aws-cdk-lib';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ordsOrigin } from '../functions/core/fleet/index.js';
import {
  type BindingPin,
  type DatabaseBindingInput,
  DatabaseBindingSchema,
  pinOf,
  type SlotCaps,
} from '../functions/core/run/index.js';
import { describeIssues } from '../functions/core/state/index.js';
import type { ResolvedDatabase } from './database-settings.js';
import { DEFAULT_ORDS_CAP } from './fleet-settings.js';

/**
 * The deploy-time binding of one database: its ORDS URL, secret, key prefix and run settings, as
 * the functions read it from its parameter. Checked against `DatabaseBindingSchema`, so synth fails
 * rather than a run; `path` names the construct in the message.
 */
export function bindingOf(path: string, database: ResolvedDatabase, slots?: SlotCaps): DatabaseBindingInput {
  const binding: DatabaseBindingInput = {
    database: database.id,
    ordsUrl: database.ordsUrl,
    secretId: secretIdOf(database.secret),
    prefix: database.prefix,
    export: database.export,
    pollSeconds: database.pollInterval.toSeconds(),
    timeoutSeconds: database.timeout.toSeconds(),
    acceptCompletedWithErrors: database.acceptCompletedWithErrors,
    onRunningExport: database.onRunningExport,
    serverCleanup: database.serverCleanup,
    autonomousDatabase: database.autonomousDatabase,
    recordSha256: database.recordSha256,
    consistency: database.consistency,
    ...(database.consistentExport ? { consistentExport: database.consistentExport } : {}),
    ...(database.restoreDrill ? { restoreDrill: database.restoreDrill } : {}),
    ...(database.retention
      ? { retention: { ...database.retention, timeZone: database.schedule.timeZone } }
      : {}),
    ...(slots ? { slots } : {}),
  };
  const checked = DatabaseBindingSchema.safeParse(binding);
  if (!checked.success) {
    throw new Error(`${path}: database "${database.id}" is not valid: ${describeIssues(checked.error)}`);
  }
  return binding;
}

/**
 * The id the functions read a secret by: its complete ARN when known; its name when it was imported
 * by name (its ARN is then only a partial ARN built from this account and region); else its ARN.
 */
export function secretIdOf(secret: ISecret): string {
  if (secret.secretFullArn !== undefined) return secret.secretFullArn;
  if (Token.isUnresolved(secret.secretArn) && !Token.isUnresolved(secret.secretName))
    return secret.secretName;
  return secret.secretArn;
}

/**
 * The pin the functions check a database's binding against: its ORDS URL, secret and prefix. A
 * secret whose id is a token at synth (created in the same app) is left out of the pin; the
 * per-database grant alone keeps other databases' runs from reading it.
 */
export function pinOfDatabase(database: ResolvedDatabase, slots?: SlotCaps): BindingPin {
  const secretId = secretIdOf(database.secret);
  return pinOf(
    { ordsUrl: database.ordsUrl, secretId, prefix: database.prefix, ...(slots ? { slots } : {}) },
    !Token.isUnresolved(secretId),
  );
}

/**
 * The slot caps of a database on `ordsUrl`: its origin's cap (`ordsCaps[origin]`, else 4) and the
 * deployment's cap when there is one.
 */
export function slotCapsFor(
  ordsUrl: string,
  ordsCaps: Readonly<Record<string, number>> | undefined,
  deploymentCap: number | undefined,
): SlotCaps {
  const origin = ordsOrigin(ordsUrl);
  return {
    origin,
    originCap: ordsCaps?.[origin] ?? DEFAULT_ORDS_CAP,
    ...(deploymentCap !== undefined ? { deploymentCap } : {}),
  };
}
