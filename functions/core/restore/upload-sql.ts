import type { SqlRequest, SqlRequestBind } from '../ords/index.js';

/**
 * The PL/SQL a restore sends through REST-enabled SQL to put a dump file into a directory object:
 * the file's size (`UTL_FILE.FGETATTR`), an append of one chunk (`UTL_FILE.PUT_RAW`), the file's
 * SHA-256 in the database (`DBMS_CRYPTO.HASH`), and `DBMS_CLOUD.GET_OBJECT` of a presigned URL.
 * Every value travels as a named bind, never in the text (../shared/consistent-export.md §1.6).
 *
 * Binary data: ORDS documents REST-enabled SQL binds with `data_type` and a JSON `value`, and no
 * encoding of binary values (orddg "REST-Enabled SQL Request and Response Specifications"; a search of
 * the 20.2–26.3 books found no BLOB bind form). So a chunk travels as VARCHAR2 binds of base64 text,
 * each at most 32,764 characters (a PL/SQL VARCHAR2 bind holds 32,767 bytes), decoded in the database
 * with `UTL_ENCODE.BASE64_DECODE` — 24,573 bytes per piece, a multiple of 3 so that pieces decode alone.
 */

/** Raw bytes of one base64 piece: 8,191 groups of 3 bytes → 32,764 characters. */
export const PIECE_BYTES = 24_573;

/**
 * Default raw bytes per request: 30 pieces (737,190 bytes, about 983 KB of base64 plus the block),
 * so that one request stays under 1 MiB, the body limit nginx applies by default
 * (`client_max_body_size 1m`) and a common one in front of ORDS.
 */
export const DEFAULT_CHUNK_BYTES = 30 * PIECE_BYTES;

/** The error the append block raises when the file does not hold exactly `:offset` bytes. */
export const OFFSET_MISMATCH = 20101;

/** `:bytes_out` := the file's size, or -1 when it does not exist. */
const SIZE_BLOCK = `DECLARE
  ex BOOLEAN;
  len NUMBER;
  bs BINARY_INTEGER;
BEGIN
  UTL_FILE.FGETATTR(:dir, :name, ex, len, bs);
  :bytes_out := CASE WHEN ex THEN len ELSE -1 END;
END;`;

/** The request that reads a file's size in a directory. */
export function fileSizeRequest(directory: string, name: string): SqlRequest {
  return {
    statementText: SIZE_BLOCK,
    binds: [
      { name: 'dir', data_type: 'VARCHAR2', value: directory },
      { name: 'name', data_type: 'VARCHAR2', value: name },
      { name: 'bytes_out', data_type: 'NUMBER', mode: 'out' },
    ],
  };
}

/**
 * The append of `chunk` at `offset`: the block first checks in the database that the file holds
 * exactly `offset` bytes (ORA-20101 otherwise), so a request sent twice (a retry after a lost answer)
 * never appends twice, and a client that lost track never leaves a gap. `:bytes_out` is the size after.
 */
export function appendRequest(directory: string, name: string, offset: number, chunk: Buffer): SqlRequest {
  const pieces: SqlRequestBind[] = [];
  for (let start = 0, index = 1; start < chunk.length; start += PIECE_BYTES, index += 1) {
    pieces.push({
      name: `p${index}`,
      data_type: 'VARCHAR2',
      value: chunk.subarray(start, start + PIECE_BYTES).toString('base64'),
    });
  }
  const puts = pieces
    .map(
      (piece) =>
        `  UTL_FILE.PUT_RAW(f, UTL_ENCODE.BASE64_DECODE(UTL_RAW.CAST_TO_RAW(:${piece.name})), TRUE);`,
    )
    .join('\n');
  const statementText = `DECLARE
  f UTL_FILE.FILE_TYPE;
  ex BOOLEAN;
  len NUMBER;
  bs BINARY_INTEGER;
BEGIN
  UTL_FILE.FGETATTR(:dir, :name, ex, len, bs);
  IF NOT ex THEN len := 0; END IF;
  IF len <> :offset THEN
    RAISE_APPLICATION_ERROR(-${OFFSET_MISMATCH}, 'restore upload: the file holds ' || len || ' bytes, not ' || :offset);
  END IF;
  f := UTL_FILE.FOPEN(:dir, :name, 'ab', 32767);
${puts}
  UTL_FILE.FCLOSE(f);
  UTL_FILE.FGETATTR(:dir, :name, ex, len, bs);
  :bytes_out := len;
EXCEPTION
  WHEN OTHERS THEN
    IF UTL_FILE.IS_OPEN(f) THEN UTL_FILE.FCLOSE(f); END IF;
    RAISE;
END;`;
  return {
    statementText,
    binds: [
      { name: 'dir', data_type: 'VARCHAR2', value: directory },
      { name: 'name', data_type: 'VARCHAR2', value: name },
      { name: 'offset', data_type: 'NUMBER', value: offset },
      ...pieces,
      { name: 'bytes_out', data_type: 'NUMBER', mode: 'out' },
    ],
  };
}

/**
 * `:sha256_out` := the hex SHA-256 of the whole file, computed in the database (`DBMS_CRYPTO.HASH` on
 * a temporary BLOB loaded from the file: it has no incremental form). Needs EXECUTE on DBMS_CRYPTO,
 * which is not granted to PUBLIC: without it the block fails with PLS-00201 (ORA-06550).
 */
const HASH_BLOCK = `DECLARE
  b BLOB;
  f BFILE := BFILENAME(:dir, :name);
BEGIN
  DBMS_LOB.CREATETEMPORARY(b, TRUE);
  DBMS_LOB.FILEOPEN(f, DBMS_LOB.FILE_READONLY);
  DBMS_LOB.LOADFROMFILE(b, f, DBMS_LOB.GETLENGTH(f));
  DBMS_LOB.FILECLOSE(f);
  :sha256_out := LOWER(RAWTOHEX(DBMS_CRYPTO.HASH(b, DBMS_CRYPTO.HASH_SH256)));
  DBMS_LOB.FREETEMPORARY(b);
END;`;

/** The request that hashes a file in the database. */
export function fileHashRequest(directory: string, name: string): SqlRequest {
  return {
    statementText: HASH_BLOCK,
    binds: [
      { name: 'dir', data_type: 'VARCHAR2', value: directory },
      { name: 'name', data_type: 'VARCHAR2', value: name },
      { name: 'sha256_out', data_type: 'VARCHAR2', mode: 'out' },
    ],
  };
}

/**
 * `DBMS_CLOUD.GET_OBJECT` of a presigned URL with no credential (`credential_name => NULL`): the URL
 * itself carries the short-lived authorization. Whether DBMS_CLOUD accepts that is undocumented, so a
 * restore tries it and falls back to the appends.
 */
const GET_OBJECT_BLOCK = `BEGIN
  DBMS_CLOUD.GET_OBJECT(credential_name => NULL, object_uri => :uri, directory_name => :dir, file_name => :name);
END;`;

/** The request that has the database fetch a presigned URL into a file. */
export function getObjectRequest(directory: string, name: string, presignedUrl: string): SqlRequest {
  return {
    statementText: GET_OBJECT_BLOCK,
    binds: [
      { name: 'uri', data_type: 'VARCHAR2', value: presignedUrl },
      { name: 'dir', data_type: 'VARCHAR2', value: directory },
      { name: 'name', data_type: 'VARCHAR2', value: name },
    ],
  };
}
