import { FILE_NAME_TEMPLATE } from './export-spec.js';
import type { DataPumpJob } from './ords/ords-api.js';
import { checkDrillTarget } from './restore-drill-sql.js';
import { checkDirectoryName, QUOTABLE_IDENTIFIER } from './server-cleanup-sql.js';

/** Body of `POST …/database/datapump/import` (snake_case, as ORDS expects). */
export interface ImportRequestBody {
  readonly job_mode: 'SCHEMA';
  readonly datapump_dir: string;
  /** The export's dump file template (`%U`): exactly this run's dump files. */
  readonly file_name: string;
  /** The one schema the drill imports. */
  readonly filter: string;
  readonly remap_schemas: ReadonlyArray<{ readonly source: string; readonly target: string }>;
  /** 1: keep the import's control table, so its log can be read after it ends. */
  readonly keep_master: 1;
}

/** Starts import jobs. `OrdsClient` implements it; tests pass fakes. */
export interface ImportApi {
  /** `POST …/database/datapump/import`: creates and starts the job (201). */
  startImport(body: ImportRequestBody): Promise<DataPumpJob>;
}

/**
 * The import of one exported schema from this run's dump files into the drill schema. Every value is
 * checked against its allow-list (older ORDS versions put values into server-side SQL unescaped).
 */
export function toImportRequestBody(
  directory: string,
  fileNameTemplate: string,
  schema: string,
  targetSchema: string,
): ImportRequestBody {
  if (!FILE_NAME_TEMPLATE.test(fileNameTemplate)) {
    throw new Error(`file_name "${fileNameTemplate}" is not a dump file template of this project`);
  }
  if (!QUOTABLE_IDENTIFIER.test(schema)) {
    throw new Error(`The drilled schema "${schema}" is not an Oracle identifier`);
  }
  const source = schema.toUpperCase();
  return {
    job_mode: 'SCHEMA',
    datapump_dir: checkDirectoryName(directory),
    file_name: fileNameTemplate,
    filter: source,
    remap_schemas: [{ source, target: checkDrillTarget(targetSchema, [source]) }],
    keep_master: 1,
  };
}
