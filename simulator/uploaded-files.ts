import { contentSource } from './file-content.js';
import type { SqlError } from './rest-sql.js';

/**
 * Files a restore put into a directory object through REST-enabled SQL (`UTL_FILE` appends or
 * `DBMS_CLOUD.GET_OBJECT`), kept in memory, and the check the simulator makes before an import may
 * read them: each file must be byte for byte the dump file it was exported as. A restore names its
 * files `<prefix><exported file name>`; the exported file is the longest dump file name of an export
 * job that the uploaded name ends with.
 */

/** A dump file an export wrote: its job and its final size. */
export interface ExportedDump {
  readonly jobName: string;
  readonly fileName: string;
  readonly bytes: number;
}

/** The behaviour of the restore's statements (`restore` in the simulator options). */
export interface RestoreSwitches {
  /** `DBMS_CLOUD` is installed (Autonomous Database, or a DBA installed it). @default true */
  readonly dbmsCloud: boolean;
  /** `DBMS_CLOUD.GET_OBJECT` accepts a presigned URL without a credential (undocumented). @default true */
  readonly presignedAccepted: boolean;
  /** EXECUTE on `DBMS_CRYPTO` is granted to the REST user (it is not granted to PUBLIC). @default true */
  readonly dbmsCrypto: boolean;
  /** Bytes the directory's file system can still take; a write beyond fails with ORA-29285. @default null (no limit) */
  readonly directoryCapacityBytes: number | null;
  /**
   * After this many appends succeeded (counted from when these switches were set), the next one writes half its pieces and its answer is lost
   * (504), like an invocation cut off mid-request; then appends work again. @default null
   */
  readonly interruptAfterAppends: number | null;
}

/** The restore switches of a simulator that has everything. */
export function defaultRestoreSwitches(): RestoreSwitches {
  return {
    dbmsCloud: true,
    presignedAccepted: true,
    dbmsCrypto: true,
    directoryCapacityBytes: null,
    interruptAfterAppends: null,
  };
}

const FILE_WRITE_ERROR: SqlError = {
  code: 29285,
  message: 'ORA-29285: file write error\nORA-06512: at "SYS.UTL_FILE", line 77\nORA-06512: at line 9',
};

/** The uploaded files of one simulated database, by `DIRECTORY/name`. */
export class UploadedFiles {
  /** Each file as the pieces appended to it (joined when read: appends stay linear in the file's size). */
  private readonly files = new Map<string, Buffer[]>();
  private usedBytes = 0;
  /** Appends since `switches` were last set (the interruption counts from there). */
  private appends = 0;
  private counting: RestoreSwitches | null = null;

  /** The file's bytes, undefined when there is none. */
  get(directory: string, name: string): Buffer | undefined {
    const key = `${directory}/${name}`;
    const parts = this.files.get(key);
    if (!parts) return undefined;
    if (parts.length > 1) this.files.set(key, [Buffer.concat(parts)]);
    return this.files.get(key)?.[0] ?? Buffer.alloc(0);
  }

  /** The file's size, undefined when there is none. */
  size(directory: string, name: string): number | undefined {
    return this.files.get(`${directory}/${name}`)?.reduce((total, part) => total + part.length, 0);
  }

  /** Names of the uploaded files in a directory. */
  names(directory: string): string[] {
    const prefix = `${directory}/`;
    return [...this.files.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length));
  }

  /** `UTL_FILE.FREMOVE` of an uploaded file; false when there is none. */
  remove(directory: string, name: string): boolean {
    this.usedBytes -= this.size(directory, name) ?? 0;
    return this.files.delete(`${directory}/${name}`);
  }

  /**
   * Appends `pieces` to a file (created when missing). `interrupted` is true when the switch cut the
   * request off after half its pieces: the caller then loses the answer.
   */
  append(
    switches: RestoreSwitches,
    directory: string,
    name: string,
    pieces: readonly Buffer[],
  ): { readonly error: SqlError | null; readonly interrupted: boolean } {
    if (this.counting !== switches) {
      this.counting = switches;
      this.appends = 0;
    }
    const interrupt =
      switches.interruptAfterAppends !== null && this.appends === switches.interruptAfterAppends;
    const written = interrupt ? pieces.slice(0, Math.ceil(pieces.length / 2)) : pieces;
    const key = `${directory}/${name}`;
    const parts = this.files.get(key) ?? [];
    this.files.set(key, parts);
    for (const piece of written) {
      const capacity = switches.directoryCapacityBytes;
      if (capacity !== null && this.usedBytes + piece.length > capacity) {
        return { error: FILE_WRITE_ERROR, interrupted: false };
      }
      parts.push(piece);
      this.usedBytes += piece.length;
    }
    this.appends += 1;
    return { error: null, interrupted: interrupt };
  }

  /** Writes a whole file as `DBMS_CLOUD.GET_OBJECT` does (replacing one of that name). */
  put(switches: RestoreSwitches, directory: string, name: string, bytes: Buffer): SqlError | null {
    const others = this.usedBytes - (this.size(directory, name) ?? 0);
    if (switches.directoryCapacityBytes !== null && others + bytes.length > switches.directoryCapacityBytes) {
      return FILE_WRITE_ERROR;
    }
    this.files.set(`${directory}/${name}`, [bytes]);
    this.usedBytes = others + bytes.length;
    return null;
  }

  /**
   * Why an import may not read uploaded file `name`, or null: it must be, byte for byte, the dump file
   * of an export that its name ends with.
   */
  sourceProblem(directory: string, name: string, exported: readonly ExportedDump[]): string | null {
    const bytes = this.get(directory, name);
    if (!bytes) return null;
    const source = exported
      .filter((dump) => name.endsWith(dump.fileName))
      .sort((a, b) => b.fileName.length - a.fileName.length)[0];
    if (!source) return `${name} is no dump file this database exported`;
    if (bytes.length !== source.bytes) {
      return `${name} holds ${bytes.length} bytes; the exported ${source.fileName} has ${source.bytes}`;
    }
    const expected = contentSource(source.jobName, source.fileName).read(0, source.bytes);
    if (!expected.equals(bytes)) return `${name} differs from the exported ${source.fileName}`;
    return null;
  }
}
