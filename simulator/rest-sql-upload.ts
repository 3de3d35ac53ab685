import type { SqlError } from './rest-sql.js';
import type { RequestBind } from './rest-sql-datapump.js';
import type { RestoreSwitches, UploadedFiles } from './uploaded-files.js';

/**
 * The restore's blocks of `functions/core/restore/upload-sql.ts` as REST-enabled SQL runs them, each
 * recognised by its calls and every value read from its named binds: a file's size
 * (`UTL_FILE.FGETATTR`), an append (`UTL_FILE.PUT_RAW` of base64 pieces, checked against `:offset`),
 * the SHA-256 in the database (`DBMS_CRYPTO.HASH`), and `DBMS_CLOUD.GET_OBJECT`, which really fetches
 * the presigned URL. Switches: `RestoreSwitches`.
 */

/** What a restore block did: the item's error or OUT binds, and whether its answer is lost. */
export interface UploadAnswer {
  readonly error: SqlError | null;
  /** A query's rows (the doctor's package query). */
  readonly rows?: Array<Record<string, unknown>>;
  readonly outBinds?: readonly RequestBind[];
  readonly lost?: boolean;
}

/** Where the blocks act: the directory objects and the uploaded files. */
export interface UploadDatabase {
  hasDirectory(directory: string): boolean;
  /** Size of a file of the directory that is not an upload (an export's file), null when none. */
  otherFileSize(directory: string, name: string): number | null;
  readonly uploads: UploadedFiles;
  readonly switches: RestoreSwitches;
}

const APPEND = /UTL_FILE\.FOPEN\(:dir,\s*:name,\s*'ab',\s*32767\)/i;
const PUT_PIECE =
  /UTL_FILE\.PUT_RAW\(f,\s*UTL_ENCODE\.BASE64_DECODE\(UTL_RAW\.CAST_TO_RAW\(:(p\d+)\)\),\s*TRUE\)/gi;
const SIZE = /UTL_FILE\.FGETATTR\(:dir,\s*:name,\s*ex,\s*len,\s*bs\);\s*:bytes_out\s*:=\s*CASE/i;
const HASH = /DBMS_CRYPTO\.HASH\(b,\s*DBMS_CRYPTO\.HASH_SH256\)/i;
const GET_OBJECT =
  /DBMS_CLOUD\.GET_OBJECT\(credential_name\s*=>\s*NULL,\s*object_uri\s*=>\s*:uri,\s*directory_name\s*=>\s*:dir,\s*file_name\s*=>\s*:name\)/i;

/** The doctor's probe (functions/core/restore/restore-probe.ts): the packages, and FGETATTR of a literal file. */
const PACKAGES = /^SELECT \(SELECT COUNT\(\*\) FROM all_procedures WHERE object_name = 'DBMS_CLOUD'/i;
const PROBE_FGETATTR =
  /^DECLARE ex BOOLEAN; len NUMBER; bs BINARY_INTEGER; BEGIN UTL_FILE\.FGETATTR\('([^']*)', '[^']*', ex, len, bs\); END;$/i;

const INVALID_DIRECTORY: SqlError = { code: 29280, message: 'ORA-29280: invalid directory object' };

function missing(name: string): SqlError {
  return {
    code: 6550,
    message: `ORA-06550: line 1, column 7:\nPLS-00201: identifier '${name}' must be declared`,
  };
}

function bind(binds: readonly RequestBind[], name: string): unknown {
  return binds.find((entry) => entry.name === name)?.value;
}

function withOut(binds: readonly RequestBind[], name: string, result: unknown): RequestBind[] {
  return binds.map((entry) => (entry.name === name ? { ...entry, result } : entry));
}

/** Whether a statement is one of the restore's blocks. */
export function isUploadBlock(text: string): boolean {
  return (
    PACKAGES.test(text) ||
    PROBE_FGETATTR.test(text) ||
    APPEND.test(text) ||
    SIZE.test(text) ||
    HASH.test(text) ||
    /DBMS_CLOUD\.GET_OBJECT/i.test(text)
  );
}

/** Runs one restore block; see the file's comment. */
export async function runUploadBlock(
  text: string,
  binds: readonly RequestBind[],
  database: UploadDatabase,
): Promise<UploadAnswer> {
  const { switches, uploads } = database;
  if (PACKAGES.test(text)) {
    return {
      error: null,
      rows: [{ dbms_cloud: switches.dbmsCloud ? 1 : 0, dbms_crypto: switches.dbmsCrypto ? 1 : 0 }],
    };
  }
  const probe = PROBE_FGETATTR.exec(text);
  if (probe) return { error: database.hasDirectory(probe[1] ?? '') ? null : INVALID_DIRECTORY };
  const directory = String(bind(binds, 'dir') ?? '');
  const name = String(bind(binds, 'name') ?? '');
  if (!database.hasDirectory(directory)) return { error: INVALID_DIRECTORY };
  const sizeNow = () => uploads.size(directory, name) ?? database.otherFileSize(directory, name);

  if (GET_OBJECT.test(text)) {
    if (!switches.dbmsCloud) return { error: missing('DBMS_CLOUD.GET_OBJECT') };
    const uri = String(bind(binds, 'uri') ?? '');
    if (!switches.presignedAccepted) {
      return {
        error: { code: 20401, message: `ORA-20401: Authorization failed for URI - ${uri}` },
      };
    }
    let response: Response;
    try {
      response = await fetch(uri);
    } catch (error) {
      return {
        error: { code: 29273, message: `ORA-29273: HTTP request failed (${(error as Error).message})` },
      };
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (!response.ok) {
      return {
        error: {
          code: 20404,
          message: `ORA-20404: Object not found - ${uri.split('?')[0]} (HTTP ${response.status})`,
        },
      };
    }
    return { error: uploads.put(switches, directory, name, body) };
  }
  if (HASH.test(text)) {
    if (!switches.dbmsCrypto) return { error: missing('DBMS_CRYPTO') };
    const bytes = uploads.get(directory, name);
    if (!bytes)
      return { error: { code: 22288, message: 'ORA-22288: file or LOB operation FILEOPEN failed' } };
    const { createHash } = await import('node:crypto');
    return {
      error: null,
      outBinds: withOut(binds, 'sha256_out', createHash('sha256').update(bytes).digest('hex').toUpperCase()),
    };
  }
  if (APPEND.test(text)) {
    const offset = Number(bind(binds, 'offset'));
    const held = sizeNow() ?? 0;
    if (held !== offset) {
      return {
        error: {
          code: 20101,
          message: `ORA-20101: restore upload: the file holds ${held} bytes, not ${offset}\nORA-06512: at line 9`,
        },
      };
    }
    const names = [...text.matchAll(PUT_PIECE)].map((match) => match[1] as string);
    const pieces = names.map((piece) => Buffer.from(String(bind(binds, piece) ?? ''), 'base64'));
    const { error, interrupted } = uploads.append(switches, directory, name, pieces);
    if (error) return { error };
    return { error: null, outBinds: withOut(binds, 'bytes_out', sizeNow()), lost: interrupted };
  }
  if (SIZE.test(text)) return { error: null, outBinds: withOut(binds, 'bytes_out', sizeNow() ?? -1) };
  return {
    error: { code: 900, message: 'ORA-00900: invalid SQL statement (not a restore block of this project)' },
  };
}
