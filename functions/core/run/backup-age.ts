import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, type Parameter, type SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { restoreDrillAgeHours } from '../drill/index.js';
import { LastBackupSchema } from '../manifest/index.js';
import type { Logger } from '../ords/index.js';
import { DATABASE_ID, KEY_PREFIX, lastBackupKey } from '../state/index.js';
import type { BindingPins } from './binding-pin.js';

/**
 * "Check backup age": for every database bound at deploy time, the hours since its last verified
 * backup, read from its `last-backup.json` record. A database that was never backed up ages from
 * the moment its binding was written (the parameter's LastModifiedDate), so a database whose
 * schedule never ran alarms as surely as one whose backups stopped.
 */

/** The part of a database's binding this check reads: where its backups are stored. */
const BindingSchema = z.object({ prefix: z.string().regex(KEY_PREFIX) });

/** What `checkBackupAge` needs. */
export interface CheckBackupAgeDeps {
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly bucket: string;
  /** The parameter path holding the bindings (DATABASE_PARAMETER_PATH). */
  readonly parameterPath: string;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Records the age of one database (the HoursSinceLastBackup metric). */
  readonly publish: (database: string, hours: number) => void;
  /**
   * Records the hours since a drilling database's last successful restore drill
   * (HoursSinceLastRestoreDrill). @default - drill ages are not read
   */
  readonly publishDrillAge?: (database: string, hours: number) => void;
  /**
   * The deployment's binding pins: a database is checked only under its pinned prefix, so an edited
   * parameter cannot point the check at a fresher record elsewhere and silence the alarm. A binding
   * that differs, or that has no pin, publishes nothing (its alarm treats that as breaching).
   * @default - the prefix of the parameter is trusted
   */
  readonly pins?: BindingPins;
}

/** The age of one database's last verified backup. */
export interface BackupAge {
  readonly database: string;
  /** Rounded to a tenth of an hour. */
  readonly hoursSinceLastBackup: number;
  /** What the age counts from: the last-backup record, or the binding when no backup ran yet. */
  readonly since: 'last-backup' | 'binding';
  /** The time the age counts from (ISO). */
  readonly sinceTime: string;
}

/** What one check found. */
export interface BackupAgeReport {
  readonly ages: readonly BackupAge[];
  /**
   * One sentence per database whose age could not be read: it publishes nothing this hour, and its
   * stale-backup alarm, which treats missing data as breaching, goes off if that persists.
   */
  readonly problems: readonly string[];
}

/** Reads every binding and last-backup record and publishes each database's age. */
export async function checkBackupAge(deps: CheckBackupAgeDeps): Promise<BackupAgeReport> {
  const ages: BackupAge[] = [];
  const problems: string[] = [];
  const path = deps.parameterPath.replace(/\/+$/, '');
  for (const parameter of await readBindings(deps.ssm, path)) {
    try {
      const age = await ageOf(deps, path, parameter);
      deps.publish(age.database, age.hoursSinceLastBackup);
      ages.push(age);
      if (deps.publishDrillAge) {
        const drillHours = await restoreDrillAgeHours(deps, age.database, parameter);
        if (drillHours !== null) deps.publishDrillAge(age.database, drillHours);
      }
    } catch (error) {
      const problem = (error as Error).message;
      deps.logger.error('Backup age not published', { parameter: parameter.Name }, { error: problem });
      problems.push(problem);
    }
  }
  deps.logger.info('Backup ages published', { databases: ages.length, problems: problems.length });
  return { ages, problems };
}

/** Every parameter under `path`, all pages. */
async function readBindings(ssm: Pick<SSMClient, 'send'>, path: string): Promise<Parameter[]> {
  const parameters: Parameter[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken: nextToken }),
    );
    parameters.push(...(page.Parameters ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return parameters;
}

async function ageOf(deps: CheckBackupAgeDeps, path: string, parameter: Parameter): Promise<BackupAge> {
  const name = parameter.Name ?? '';
  const database = name.slice(path.length + 1);
  if (!name.startsWith(`${path}/`) || !DATABASE_ID.test(database)) {
    throw new Error(`Parameter "${name}" is not named ${path}/<database id>`);
  }
  let value: unknown;
  try {
    value = JSON.parse(parameter.Value ?? '');
  } catch {
    throw new Error(`Parameter "${name}" does not hold JSON`);
  }
  const binding = BindingSchema.safeParse(value);
  if (!binding.success) {
    throw new Error(`Parameter "${name}" has no valid "prefix" (empty, or folder names each ending with /)`);
  }
  const pin = deps.pins && Object.hasOwn(deps.pins, database) ? deps.pins[database] : undefined;
  if (deps.pins && !pin) {
    throw new Error(`Parameter "${name}" binds database "${database}", which this deployment does not pin`);
  }
  if (pin && pin.prefix !== binding.data.prefix) {
    throw new Error(
      `Parameter "${name}" was changed out of band: prefix "${binding.data.prefix}" instead of "${pin.prefix}" as deployed`,
    );
  }
  const key = lastBackupKey(binding.data.prefix, database);
  const recorded = await readLastBackupTime(deps, key);
  const since = recorded ?? parameter.LastModifiedDate;
  if (!since) throw new Error(`Parameter "${name}" has no LastModifiedDate and ${key} does not exist`);
  const hours = (deps.now().getTime() - since.getTime()) / 3_600_000;
  return {
    database,
    hoursSinceLastBackup: Math.max(0, Math.round(hours * 10) / 10),
    since: recorded ? 'last-backup' : 'binding',
    sinceTime: since.toISOString(),
  };
}

/** The `finishedAt` of a last-backup record, or undefined when there is no record yet. */
async function readLastBackupTime(deps: CheckBackupAgeDeps, key: string): Promise<Date | undefined> {
  const where = `s3://${deps.bucket}/${key}`;
  let text: string;
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw new Error(`${where} could not be read (${(error as Error).name})`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const record = LastBackupSchema.safeParse(json);
  if (!record.success) throw new Error(`${where} is not a last-backup record (version 1)`);
  return new Date(record.data.finishedAt);
}
