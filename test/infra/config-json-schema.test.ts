import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config/index.js';
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText } from '../../infra/config/json-schema.js';

interface ObjectSchema {
  readonly properties: Record<string, ObjectSchema & { readonly items?: ObjectSchema }>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

const committed = () => readFileSync(CONFIG_JSON_SCHEMA_FILE, 'utf8');

describe('configuration JSON Schema', () => {
  it('fails when the committed config/schema.json is not what the zod schema generates', () => {
    // GIVEN the committed file WHEN compared with a fresh generation THEN they are the same
    expect(committed(), 'config/schema.json is out of date: run `npm run config-schema`').toBe(
      configJsonSchemaText(),
    );
  });

  it('rejects unknown keys and requires the fields without a default, as the loader does', () => {
    // GIVEN the generated schema
    const schema = JSON.parse(configJsonSchemaText()) as ObjectSchema;

    // WHEN its top level and its database entries are read
    const database = schema.properties.databases?.items;

    // THEN unknown keys are errors and id, ordsUrl and secret are required
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['databases']);
    expect(database?.additionalProperties).toBe(false);
    expect(database?.required).toEqual(['id', 'ordsUrl', 'secret']);
    expect(Object.keys(schema.properties)).toEqual([
      '$schema',
      'defaults',
      'bucket',
      'alerts',
      'network',
      'namePrefix',
      'databasesPerStack',
      'ordsCaps',
      'deploymentCap',
      'databases',
    ]);
  });

  it('is referenced by the shipped example, which the loader accepts with its $schema key', () => {
    // GIVEN the example configuration
    const example = JSON.parse(readFileSync('config/example.json', 'utf8')) as { $schema?: string };

    // WHEN it is loaded THEN it points editors to the schema next to it and loads
    expect(example.$schema).toBe('./schema.json');
    expect(loadConfig('config/example.json').databases).toHaveLength(2);
  });
});
