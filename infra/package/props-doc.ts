import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The props reference `docs/construct-props.md`, generated from the TSDoc of `infra/backup-props.ts`
 * by reading the file's text (TypeScript 7 has no compiler API for JavaScript, and TypeDoc needs
 * one). The file's interfaces are flat: `readonly name?: Type;` members, each under its TSDoc.
 */

const ROOT = join(import.meta.dirname, '..', '..');
export const PROPS_SOURCE_FILE = join(ROOT, 'infra', 'backup-props.ts');
export const PROPS_DOC_FILE = join(ROOT, 'docs', 'construct-props.md');

/** One member of a props interface. */
export interface PropDoc {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly description: string;
  /** The `@default` text; absent for a required prop. */
  readonly defaultText?: string;
}

/** One exported interface with its TSDoc and members. */
export interface InterfaceDoc {
  readonly name: string;
  readonly description: string;
  readonly props: readonly PropDoc[];
}

const INTERFACE = /(?:\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*)?export interface (\w+)[^{]*\{([\s\S]*?)\n\}/g;
const MEMBER = /\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*readonly (\w+)(\?)?:\s*([^;]+);/g;

/** A TSDoc comment's text as description and tags (`@default` on its own line or inline), spaces joined. */
function readComment(comment: string): { description: string; tags: Map<string, string> } {
  const text = comment
    .split('\n')
    .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
    .join('\n');
  // [description, tag, text, tag, text, …]; an `@` inside a word (an e-mail address) is no tag.
  const pieces = text.split(/(?:^|\s)@(\w+)(?=\s|$)/);
  const joined = (piece: string | undefined) => (piece ?? '').replace(/\s+/g, ' ').trim();
  const tags = new Map<string, string>();
  for (let index = 1; index < pieces.length; index += 2) tags.set(pieces[index]!, joined(pieces[index + 1]));
  return { description: joined(pieces[0]), tags };
}

/**
 * The exported interfaces of a props file. Throws naming the member when a member has no TSDoc, or
 * an optional member no `@default`.
 */
export function readInterfaces(source: string): InterfaceDoc[] {
  return [...source.matchAll(INTERFACE)].map(([, comment, name, body]) => {
    const props = [...body!.matchAll(MEMBER)].map(([, memberComment, propName, optional, type]) => {
      const { description, tags } = readComment(memberComment!);
      const defaultText = tags.get('default');
      if (optional && defaultText === undefined) {
        throw new Error(`${name}.${propName} is optional but its TSDoc has no @default`);
      }
      return {
        name: propName!,
        type: type!.replace(/\s+/g, ' ').trim(),
        optional: Boolean(optional),
        description,
        ...(defaultText !== undefined ? { defaultText } : {}),
      };
    });
    const declared = [...body!.matchAll(/^\s*readonly (\w+)/gm)].map((match) => match[1]!);
    const undocumented = declared.filter((prop) => !props.some((doc) => doc.name === prop));
    if (undocumented.length > 0) {
      throw new Error(`${name}.${undocumented.join(`, ${name}.`)} has no TSDoc comment`);
    }
    return { name: name!, description: comment ? readComment(comment).description : '', props };
  });
}

/** Text for a Markdown table cell: no line breaks, `|` escaped. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replaceAll('|', '\\|');
}

/** The Markdown reference of the interfaces of `source`. */
export function propsDocText(source: string): string {
  const sections = readInterfaces(source).map((doc) => {
    const rows = doc.props.map(
      (prop) =>
        `| \`${prop.name}\` | \`${cell(prop.type)}\` | ${prop.optional ? 'no' : 'yes'} | ` +
        `${cell(prop.defaultText ?? '')} | ${cell(prop.description)} |`,
    );
    return [
      `## ${doc.name}`,
      '',
      ...(doc.description ? [doc.description, ''] : []),
      '| Prop | Type | Required | Default | Description |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
  });
  return [
    '# Construct props reference',
    '',
    '<!-- Generated from the TSDoc of infra/backup-props.ts by `npm run docs:props`. Do not edit. -->',
    '',
    'The props of `OrdsDatapumpBackup` and of the databases it backs up, as the package exports them.',
    'A default that starts with `-` describes the behaviour instead of naming a value. How the props are',
    'versioned: [the construct](construct.md#versioning).',
    '',
    ...sections,
  ].join('\n');
}

/** The reference as `docs/construct-props.md` should read now. */
export function currentPropsDocText(): string {
  return propsDocText(readFileSync(PROPS_SOURCE_FILE, 'utf8'));
}
