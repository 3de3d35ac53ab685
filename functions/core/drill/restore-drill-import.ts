import { checkDirectoryName, QUOTABLE_IDENTIFIER } from '../cleanup/index.js';
import { FILE_NAME_TEMPLATE } from '../export/index.js';
import type { ImportRequestBody } from '../ords/index.js';
import { checkDrillTarget } from './restore-drill-sql.js';

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
    // Never `filter`: Oracle documents it for exports only (docs/ords-support.md).
    schema_expressions: [{ expression: `IN ('${source}')` }],
    remap_schemas: [{ source, target: checkDrillTarget(targetSchema, [source]) }],
    keep_master: 1,
  };
}
