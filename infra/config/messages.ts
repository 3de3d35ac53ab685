import { z } from 'zod';
import { DatabaseSchema, DefaultsSchema } from './database-schema.js';
import { AlertsSchema, BucketSchema, DocumentSchema, NetworkSchema } from './schema.js';

/**
 * The user-facing lines of the configuration's problems: each names the field, quotes the value
 * received and lists what is allowed.
 */

/** A path into the configuration document, as zod gives it. */
export type Path = ReadonlyArray<PropertyKey>;

/** One line per problem of a zod issue, e.g. `database "orders": export.jobMode is "FOOL"; allowed: …`. */
export function describeIssue(
  issue: z.core.$ZodIssue,
  root: unknown,
  basePath: Path,
  label?: string,
): string[] {
  const subject = (path: Path) => {
    if (label && path.length > 0) return `${label}: ${joinPath(path)}`;
    return joinPath([...basePath, ...path]);
  };
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(basePath, issue.path);
    return issue.keys.map(
      (key) => `${subject([...issue.path, key])} is not a known key; allowed: ${known.join(', ')}`,
    );
  }
  const value = valueAt(root, issue.path);
  return [`${subject(issue.path)} is ${value === undefined ? 'missing' : show(value)}; ${explain(issue)}`];
}

function explain(issue: z.core.$ZodIssue): string {
  const custom = !/^(Invalid|Too (small|big))\b/.test(issue.message);
  if (custom) return issue.message;
  switch (issue.code) {
    case 'invalid_value':
      return `allowed: ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return `allowed: ${issue.expected === 'int' ? 'a whole number' : `a value of type ${issue.expected}`}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      const unit = issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' character(s)' : '';
      return `allowed: ${bound}${unit}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `allowed: text matching ${issue.pattern}`
        : issue.message;
    default:
      return issue.message;
  }
}

/** The keys an object at `path` accepts, for "unknown key" messages. */
function knownKeys(basePath: Path, path: Path): string[] {
  const top = basePath[0];
  let schema: z.ZodType =
    top === 'defaults'
      ? DefaultsSchema
      : top === 'bucket'
        ? BucketSchema
        : top === 'alerts'
          ? AlertsSchema
          : top === 'network'
            ? NetworkSchema
            : top === 'databases'
              ? DatabaseSchema
              : DocumentSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = schema.shape[String(segment)] as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** A path as written in messages: `databases[2].export.jobMode`. */
export function joinPath(path: Path): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : `${i > 0 ? '.' : ''}${String(segment)}`,
    )
    .join('');
}

/** A value as JSON, shortened, with any `user:password@` of a URL masked. */
export function show(value: unknown): string {
  const text = (JSON.stringify(value) ?? String(value)).replace(/\/\/[^/@"]*@/g, '//***@');
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
