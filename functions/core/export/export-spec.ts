import { z } from 'zod';
import type { ExportRequestBody } from '../ords/index.js';

/**
 * What to export, in the configuration's camelCase format. Shared by the CDK configuration, the
 * execution input and `npm start -- --export`. Every value that reaches the ORDS payload is checked
 * against an allow-list here: ORDS ignores unknown keys and older versions inserted some values into
 * server-side SQL unescaped (../shared/ords-datapump-api.md).
 */

/** Data Pump job modes supported by the ORDS export route. */
export const JOB_MODES = ['FULL', 'SCHEMA', 'TABLE', 'TABLESPACE'] as const;

/** An Oracle identifier (schema, table, tablespace or directory object name), unquoted. */
export const ORACLE_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_$#]{0,127}$/;

/** One entry of `filter`: an identifier, optionally `SCHEMA.NAME`, optionally with `%` wildcards. */
const FILTER_ITEM = /^[A-Za-z%][A-Za-z0-9_$#%]{0,127}(\.[A-Za-z%][A-Za-z0-9_$#%]{0,127})?$/;

const QUOTED = `'[A-Za-z0-9_$#%]{1,128}'`;
/**
 * A Data Pump metadata filter expression as ORDS accepts it: `IN ('HR','SALES')`, `NOT IN ('X')`,
 * `LIKE 'EMP%'`, `NOT LIKE 'TMP%'`, `='DEPT'`, `!='DEPT'`, `<>'DEPT'`. Only quoted identifiers are
 * allowed inside, so no expression can carry SQL.
 */
export const NAME_EXPRESSION = new RegExp(
  `^(?:(?:NOT\\s+)?IN\\s*\\(\\s*${QUOTED}(?:\\s*,\\s*${QUOTED})*\\s*\\)|(?:NOT\\s+)?LIKE\\s*${QUOTED}|(?:=|!=|<>)\\s*${QUOTED})$`,
  'i',
);

const identifier = (what: string) =>
  z
    .string()
    .regex(ORACLE_IDENTIFIER, `must be an Oracle identifier (${ORACLE_IDENTIFIER.source}), e.g. HR`)
    .describe(what);

const expressions = z
  .array(
    z
      .string()
      .regex(
        NAME_EXPRESSION,
        "must look like IN ('HR','SALES'), LIKE 'EMP%' or !='DEPT' (quoted identifiers only)",
      ),
  )
  .min(1)
  .max(100);

/** Schema of an export specification. */
export const ExportSpecSchema = z
  .strictObject({
    /** Data Pump job mode. */
    jobMode: z.enum(JOB_MODES).default('SCHEMA'),
    /** Schemas to export (SCHEMA mode): sent as `filter`, comma-separated. */
    schemas: z.array(identifier('schema')).min(1).max(1000).optional(),
    /** Raw ORDS `filter`: a comma list of names (`HR,SALES`, `HR.EMPLOYEES`, `USERS`). */
    filter: z
      .string()
      .refine(
        (value) => value.split(',').every((item) => FILTER_ITEM.test(item.trim())),
        'must be a comma-separated list of names such as HR,SALES or HR.EMPLOYEES',
      )
      .optional(),
    /** `name_expressions`: which object names to include. */
    nameExpressions: expressions.optional(),
    /** `schema_expressions`: which schemas to include. */
    schemaExpressions: expressions.optional(),
    /** `tablespace_expressions`: which tablespaces to include. */
    tablespaceExpressions: expressions.optional(),
    /**
     * Maximum Data Pump worker processes (`threads`, Data Pump PARALLEL). At most 99: the dump file
     * template's `%U` expands to 01–99, one file per worker.
     */
    threads: z
      .number()
      .int()
      .min(1)
      .max(99, 'must be at most 99: the dump file template %U numbers files 01 to 99, one per worker')
      .optional(),
    /** Directory object the dump files are written to. */
    datapumpDir: identifier('directory object').default('DATA_PUMP_DIR'),
  })
  .refine((spec) => !(spec.schemas && spec.filter), {
    message: 'give either schemas or filter, not both',
    path: ['schemas'],
  });

/** A validated export specification with defaults applied. */
export type ExportSpec = z.output<typeof ExportSpecSchema>;
/** An export specification as written in configuration. */
export type ExportSpecInput = z.input<typeof ExportSpecSchema>;

/** The file name template of a run's dump files: letters, digits, `_ . % -` only, `%U` once. */
export const FILE_NAME_TEMPLATE = /^[A-Za-z0-9_.-]*%U[A-Za-z0-9_.-]*\.DMP$/;

/**
 * Builds the ORDS export payload from a validated spec and the run's dump file name template.
 * Re-validates the spec, so a payload can only ever contain allow-listed values.
 */
export function toExportRequestBody(spec: ExportSpec, fileNameTemplate: string): ExportRequestBody {
  const checked = ExportSpecSchema.parse(spec);
  if (!FILE_NAME_TEMPLATE.test(fileNameTemplate)) {
    throw new Error(
      `file_name "${fileNameTemplate}" is not allowed: use letters, digits, _ . - and one %U, ending in .DMP`,
    );
  }
  const toExpressions = (list: readonly string[] | undefined) =>
    list?.map((expression) => ({ expression: expression.trim() }));
  const filter =
    checked.schemas?.map((s) => s.toUpperCase()).join(',') ??
    checked.filter?.trim() ??
    (checked.jobMode === 'SCHEMA' ? schemaFilterOf(checked.schemaExpressions) : undefined);
  return {
    job_mode: checked.jobMode,
    datapump_dir: checked.datapumpDir.toUpperCase(),
    file_name: fileNameTemplate,
    ...(filter ? { filter } : {}),
    ...(checked.nameExpressions ? { name_expressions: toExpressions(checked.nameExpressions) } : {}),
    ...(checked.schemaExpressions ? { schema_expressions: toExpressions(checked.schemaExpressions) } : {}),
    ...(checked.tablespaceExpressions
      ? { tablespace_expressions: toExpressions(checked.tablespaceExpressions) }
      : {}),
    ...(checked.threads ? { threads: checked.threads } : {}),
    keep_master: 1,
  };
}

/**
 * The `filter` that names the same schemas as `schemaExpressions` made only of `IN ('A','B')` and
 * `='A'`, else undefined. The 19c–26.3 export docs call `filter` required unless job_mode is FULL,
 * and the 19.1 `jobs/` route reads only `filter`; expressions alone work in Oracle's own examples, so
 * both are sent when the names are certain.
 */
export function schemaFilterOf(expressions: readonly string[] | undefined): string | undefined {
  if (expressions?.length !== 1) return undefined;
  const [expression = ''] = expressions;
  const list = /^\s*(?:IN\s*\((.*)\)|=\s*(.*))\s*$/i.exec(expression);
  const names = (list?.[1] ?? list?.[2])?.split(',').map((item) => /^\s*'(.+)'\s*$/.exec(item)?.[1]);
  if (!names || names.some((name) => name === undefined || name.includes('%'))) return undefined;
  return names.map((name) => name?.toUpperCase()).join(',');
}
