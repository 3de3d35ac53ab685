import { InvalidInputError } from '../base/index.js';
import type { ExportSpec } from '../export/index.js';
import { parseOrdsUrl } from '../ords/index.js';

/** Where a backup came from: the database id and the ORDS host and path its binding names. */
export interface ManifestSource {
  readonly database: string;
  /** Host (and port, when not the default) of the ORDS URL. */
  readonly ordsHost: string;
  /** Path of the ORDS URL, e.g. `/ords/pdb1/dbapi_user/`. */
  readonly ordsPath: string;
}

/** What was asked of Data Pump, as the binding's export spec says (the restore's starting point). */
export type ManifestExportSpec = Pick<
  ExportSpec,
  | 'jobMode'
  | 'datapumpDir'
  | 'schemas'
  | 'filter'
  | 'nameExpressions'
  | 'schemaExpressions'
  | 'tablespaceExpressions'
>;

/**
 * The source of a backup from its binding's ORDS URL, checked again as the configuration checks it
 * (no user:password@, no query, no fragment): the manifest is read by whoever restores, and must never
 * carry a credential.
 */
export function manifestSource(database: string, ordsUrl: string): ManifestSource {
  let url: URL;
  try {
    url = parseOrdsUrl(ordsUrl);
  } catch (error) {
    // parseOrdsUrl's message names the URL without its user and password.
    throw new InvalidInputError(
      `Not writing the manifest of database "${database}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { database, ordsHost: url.host, ordsPath: url.pathname };
}

/** The export spec as the manifest records it: only the fields that say what was exported. */
export function manifestExportSpec(spec: ExportSpec): ManifestExportSpec {
  return {
    jobMode: spec.jobMode,
    datapumpDir: spec.datapumpDir.toUpperCase(),
    ...(spec.schemas ? { schemas: spec.schemas.map((schema) => schema.toUpperCase()) } : {}),
    ...(spec.filter ? { filter: spec.filter.trim() } : {}),
    ...(spec.nameExpressions ? { nameExpressions: spec.nameExpressions } : {}),
    ...(spec.schemaExpressions ? { schemaExpressions: spec.schemaExpressions } : {}),
    ...(spec.tablespaceExpressions ? { tablespaceExpressions: spec.tablespaceExpressions } : {}),
  };
}
