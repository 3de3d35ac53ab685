import { createHash } from 'node:crypto';
import { InvalidInputError } from '../base/index.js';

/**
 * The name of a consistent export's Data Pump job. The client chooses it, so a retry that meets
 * ORA-31634 ("job already exists") knows the job is its own and adopts it
 * (../shared/consistent-export.md §1.4, §1.6).
 */

/** Prefix of the jobs this project names; distinct from ORDS' `DATAPUMP_REST_EXPORT_…`. */
export const CONSISTENT_JOB_PREFIX = 'ODBK_';

/** Longest job name this project sends: 30 characters, the limit of Oracle 12.1 and older. */
export const MAX_JOB_NAME_LENGTH = 30;

/**
 * A simple SQL name as `DBMS_ASSERT.SIMPLE_SQL_NAME` accepts it unquoted, upper case, at most 30
 * characters. Job names are used as control table names, so they must not need quoting.
 */
export const SIMPLE_SQL_NAME = /^[A-Z][A-Z0-9_$#]{0,29}$/;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 of `bytes`, without padding. */
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
}

/**
 * The job name of a run: `ODBK_` + 25 base32 characters of the SHA-256 of `runId` (30 in all). The
 * same run id always gives the same name (a retry or redrive finds its job); 125 bits of the hash make
 * a collision between two runs negligible.
 */
export function consistentJobName(runId: string): string {
  if (runId.trim() === '') throw new InvalidInputError('the run id of a consistent export is empty');
  const digest = createHash('sha256').update(runId, 'utf8').digest();
  return checkJobName(
    `${CONSISTENT_JOB_PREFIX}${base32(digest).slice(0, MAX_JOB_NAME_LENGTH - CONSISTENT_JOB_PREFIX.length)}`,
  );
}

/** Returns `name` when it is a simple SQL name of at most 30 characters, else throws naming it. */
export function checkJobName(name: string): string {
  if (!SIMPLE_SQL_NAME.test(name)) {
    throw new InvalidInputError(
      `job name ${JSON.stringify(name)} is not a simple SQL name: use A-Z first, then A-Z 0-9 _ $ #, at most ${MAX_JOB_NAME_LENGTH} characters`,
    );
  }
  return name;
}

/** Whether a job was named by this project's consistent path (not by ORDS or a DBA). */
export function isConsistentJobName(name: string): boolean {
  return SIMPLE_SQL_NAME.test(name) && name.startsWith(CONSISTENT_JOB_PREFIX);
}

/** What follows `ODBK_` in the name of the doctor's tiny probe job: `ODBK_DR_…`. */
export const DOCTOR_JOB_MARKER = 'DR_';

/**
 * The name of the doctor's tiny probe job: `ODBK_DR_` + 22 base32 characters of the SHA-256 of
 * `probeId` (30 in all). The run's names never start so: the 25 hash characters of
 * `consistentJobName` may begin with `DR_` only if base32 held `_`, which it does not.
 */
export function doctorProbeJobName(probeId: string): string {
  if (probeId.trim() === '') throw new InvalidInputError('the id of a doctor probe is empty');
  const digest = createHash('sha256').update(probeId, 'utf8').digest();
  const head = `${CONSISTENT_JOB_PREFIX}${DOCTOR_JOB_MARKER}`;
  return checkJobName(`${head}${base32(digest).slice(0, MAX_JOB_NAME_LENGTH - head.length)}`);
}

/** The doctor's probe job names exactly: `ODBK_DR_` and 22 base32 characters (`doctorProbeJobName`). */
const DOCTOR_PROBE_NAME = new RegExp(
  `^${CONSISTENT_JOB_PREFIX}${DOCTOR_JOB_MARKER}[A-Z2-7]{${MAX_JOB_NAME_LENGTH - CONSISTENT_JOB_PREFIX.length - DOCTOR_JOB_MARKER.length}}$`,
);

/**
 * Whether `name` has the exact form of a doctor probe job's name. A name that only starts with
 * `ODBK_DR_` (another tool's job, a DBA's) does not.
 */
export function isDoctorProbeJobName(name: string): boolean {
  return DOCTOR_PROBE_NAME.test(name);
}
