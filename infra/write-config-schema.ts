import { writeFileSync } from 'node:fs';
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText } from './config/json-schema.js';

/** `npm run config-schema`: writes the configuration file's JSON Schema for editors. */
writeFileSync(CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText());
console.log(`Wrote ${CONFIG_JSON_SCHEMA_FILE}`);
