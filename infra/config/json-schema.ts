import { z } from 'zod';
import { DatabaseSchema, DefaultsSchema } from './database-schema.js';
import { AlertsSchema, BucketSchema, DocumentSchema, NetworkSchema } from './schema.js';

/** Where the generated JSON Schema is committed, next to the example configurations that use it. */
export const CONFIG_JSON_SCHEMA_FILE = 'config/schema.json';

/**
 * The whole file in one zod schema, for the JSON Schema only: the loader parses the sections one
 * by one (see `DocumentSchema`) so that each problem is named after its section.
 */
const ConfigFileSchema = DocumentSchema.extend({
  defaults: DefaultsSchema.optional().describe('Settings every database inherits unless it gives its own'),
  bucket: BucketSchema.optional().describe('Where backups are stored'),
  alerts: AlertsSchema.optional().describe('Where failure and stale-backup alerts go'),
  network: NetworkSchema.optional().describe(
    'The VPC the functions that call ORDS run in. Default: no VPC (the functions reach ORDS over the internet)',
  ),
  databases: z
    .array(DatabaseSchema)
    .min(1)
    .describe('The databases to back up, in a stable order: append new ones'),
});

/**
 * The text of `config/schema.json`: a JSON Schema (draft 2020-12) of the configuration file for
 * editors, generated from the zod schema. It checks the shape, types, ranges and patterns of each
 * field; the checks written as functions (cron expressions, time zones, ORDS URLs, secret
 * references) and the rules across fields run at synth only.
 */
export function configJsonSchemaText(): string {
  const schema = z.toJSONSchema(ConfigFileSchema, {
    target: 'draft-2020-12',
    // What a user writes: fields with a default are optional.
    io: 'input',
    unrepresentable: 'any',
  });
  return `${JSON.stringify(
    {
      ...schema,
      title: 'ords-datapump-backup configuration',
      description: 'One deployment: which databases to back up, when and how. See config/README.md.',
    },
    null,
    2,
  )}\n`;
}
