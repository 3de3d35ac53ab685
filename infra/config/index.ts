import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ExportSpecSchema } from '../../functions/core/export/index.js';
import { parseOrdsUrl } from '../../functions/core/ords/index.js';
import { DATABASE_ID } from '../../functions/core/state/index.js';
import { DatabaseSchema, DefaultsSchema } from './database-schema.js';
import {
  asObject,
  isObject,
  mergeExport,
  resolveBucket,
  resolveNetwork,
  resolveSettings,
} from './defaults.js';
import { resolveWindow, windowAndCronProblem } from './fleet.js';
import { jsonSyntaxProblem } from './json-syntax.js';
import { DEFAULT_DATABASES_PER_STACK } from './limits.js';
import { describeIssue, type Path } from './messages.js';
import { parseWhatParses } from './partial-parse.js';
import { resolveRestoreDrill } from './restore-drill.js';
import {
  BUCKET_RULES,
  DATABASE_RULES,
  duplicateIdProblems,
  NETWORK_RULES,
  retentionBucketProblems,
  ruleProblems,
} from './rules.js';
import { AlertsSchema, BucketSchema, DocumentSchema, NetworkSchema } from './schema.js';
import { type BackupConfig, ConfigError, type DatabaseConfig } from './types.js';

/**
 * The deployment's configuration: which databases to back up, when and how. Read from a JSON file
 * (see config/README.md), validated completely at synth: every problem is reported at once, naming
 * the file, the database, the field, the value received and what is allowed.
 */

export { DEFAULT_SCHEDULE, defaultStaleAfterHours } from './defaults.js';
export * from './limits.js';
export { parseSecretReference, type SecretReference } from './secret-reference.js';
export * from './types.js';

/** cdk.json context key naming the configuration file (`-c ords-datapump-backup:configFile=…`). */
export const CONFIG_FILE_CONTEXT_KEY = 'ords-datapump-backup:configFile';

/** The configuration file used when the context key is not set. */
export const DEFAULT_CONFIG_FILE = 'config/example.json';

/** Reads and validates a configuration file; `path` is also the name used in messages. */
export function loadConfig(path: string): BackupConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${path}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
        `choose another with -c ${CONFIG_FILE_CONTEXT_KEY}=config/<name>.json`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${path}:${jsonSyntaxProblem((error as Error).message, text)}`]);
  }
  return parseConfig(json, path);
}

/**
 * Validates a parsed configuration document and applies the defaults. Throws a `ConfigError`
 * listing every problem, each line starting with `sourceName`: the problems of single fields and,
 * on the fields that parsed, those across fields.
 */
export function parseConfig(json: unknown, sourceName: string): BackupConfig {
  const problems: string[] = [];
  const report = (line: string) => problems.push(`${sourceName}: ${line}`);
  const reportIssues = (
    issues: readonly z.core.$ZodIssue[],
    root: unknown,
    basePath: Path,
    label?: string,
  ) => {
    for (const issue of issues) for (const line of describeIssue(issue, root, basePath, label)) report(line);
  };

  const document = DocumentSchema.safeParse(json);
  if (!document.success) reportIssues(document.error.issues, json, []);
  if (!isObject(json)) throw new ConfigError(problems);
  const entries = Array.isArray(json.databases) ? json.databases : [];

  const defaults = parseWhatParses(DefaultsSchema, json.defaults ?? {});
  reportIssues(defaults.issues, json.defaults, ['defaults']);
  for (const problem of windowAndCronProblem('defaults', defaults.data ?? {})) report(problem);
  const bucketSettings = parseWhatParses(BucketSchema, json.bucket ?? {});
  reportIssues(bucketSettings.issues, json.bucket, ['bucket']);
  if (bucketSettings.data) {
    for (const problem of ruleProblems(BUCKET_RULES, bucketSettings.data, bucketSettings.failed))
      report(problem);
  }
  const alerts = parseWhatParses(AlertsSchema, json.alerts ?? {});
  reportIssues(alerts.issues, json.alerts, ['alerts']);
  const network = json.network === undefined ? undefined : parseWhatParses(NetworkSchema, json.network);
  if (network) {
    reportIssues(network.issues, json.network, ['network']);
    if (network.data) {
      for (const problem of ruleProblems(NETWORK_RULES, network.data, network.failed)) report(problem);
    }
  }

  const databases: DatabaseConfig[] = [];
  const indexesById = new Map<string, number[]>();
  for (const [index, entry] of entries.entries()) {
    const id =
      isObject(entry) && typeof entry.id === 'string' && DATABASE_ID.test(entry.id) ? entry.id : undefined;
    const label = id ? `database "${id}"` : `databases[${index}]`;
    if (id) indexesById.set(id, [...(indexesById.get(id) ?? []), index]);
    const parsed = DatabaseSchema.safeParse(entry);
    if (!parsed.success) reportIssues(parsed.error.issues, entry, ['databases', index], label);

    // The settings alone, so that the rules across them run even when the id, URL or secret is bad.
    const {
      id: _id,
      ordsUrl: _url,
      secret: _secret,
      ordsCidrs: _cidrs,
      restoreDrill: _drill,
      ...rawSettings
    } = asObject(entry);
    const settings = parseWhatParses(DefaultsSchema, rawSettings);
    if (!defaults.data || !settings.data) continue;
    const setHere = (path: string) => valueAtDotted(rawSettings, path) !== undefined;
    // The export merges key by key, so a failed key of the defaults' export fails every export.
    const failed = (path: string) =>
      settings.failed(path) || ((path === 'export' || !setHere(path)) && defaults.failed(path));

    // Merged from the values as written (without those that failed), so that only keys written count.
    const rawExport = mergeExport(asObject(defaults.pruned).export, asObject(settings.pruned).export);
    const exportSpec = ExportSpecSchema.safeParse(rawExport);
    if (!exportSpec.success && !failed('export')) {
      // Each export parsed alone: the problem comes from merging them.
      const issues = exportSpec.error.issues.map((issue) => ({ ...issue, path: ['export', ...issue.path] }));
      reportIssues(issues, { ...rawSettings, export: rawExport }, ['databases', index], label);
    }
    const resolved = resolveSettings(
      defaults.data,
      settings.data,
      exportSpec.success ? exportSpec.data : ExportSpecSchema.parse({}),
    );
    const exportFailed = (path: string) => failed(path) || (path === 'export' && !exportSpec.success);
    for (const problem of ruleProblems(DATABASE_RULES, resolved, exportFailed))
      report(`${label}: ${problem}`);
    const drill =
      parsed.success && parsed.data.restoreDrill && exportSpec.success
        ? resolveRestoreDrill(parsed.data.restoreDrill, exportSpec.data)
        : undefined;
    for (const problem of drill?.problems ?? []) report(`${label}: ${problem}`);
    for (const problem of windowAndCronProblem(label, settings.data)) report(problem);
    const window = resolveWindow(defaults.data, settings.data);
    if (parsed.success) {
      databases.push({
        id: parsed.data.id,
        ordsUrl: parseOrdsUrl(parsed.data.ordsUrl).href,
        secret: parsed.data.secret,
        ...(parsed.data.ordsCidrs ? { ordsCidrs: parsed.data.ordsCidrs } : {}),
        ...resolved,
        ...(drill?.drill ? { restoreDrill: drill.drill } : {}),
        ...(window ? { window } : {}),
      });
    }
  }
  for (const problem of duplicateIdProblems(indexesById)) report(problem);
  if (bucketSettings.data) {
    for (const problem of retentionBucketProblems(bucketSettings.data, databases)) report(problem);
  }

  if (problems.length > 0 || !bucketSettings.data || !alerts.data || (network && !network.data)) {
    throw new ConfigError(problems);
  }
  const namePrefix = document.data?.namePrefix;
  return {
    sourceName,
    ...(namePrefix !== undefined ? { namePrefix } : {}),
    ...(network?.data ? { network: resolveNetwork(network.data) } : {}),
    bucket: resolveBucket(bucketSettings.data),
    alerts: {
      ...(alerts.data.existingTopicArn ? { existingTopicArn: alerts.data.existingTopicArn } : {}),
      emails: alerts.data.emails ?? [],
    },
    databasesPerStack: document.data?.databasesPerStack ?? DEFAULT_DATABASES_PER_STACK,
    databases,
    ordsCaps: document.data?.ordsCaps ?? {},
    ...(document.data?.deploymentCap !== undefined ? { deploymentCap: document.data.deploymentCap } : {}),
  };
}

/** The value at a dotted path such as `schedule.cron`, or undefined. */
function valueAtDotted(root: unknown, path: string): unknown {
  let current = root;
  for (const segment of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}
