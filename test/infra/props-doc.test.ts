import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  currentPropsDocText,
  PROPS_DOC_FILE,
  propsDocText,
  readInterfaces,
} from '../../infra/package/props-doc.js';

describe('the construct props reference', () => {
  it('is up to date with the TSDoc of infra/backup-props.ts', () => {
    expect(
      readFileSync(PROPS_DOC_FILE, 'utf8'),
      'docs/construct-props.md is stale: run npm run docs:props',
    ).toBe(currentPropsDocText());
  });

  it('lists every prop of the package entry with its default', () => {
    const text = currentPropsDocText();

    for (const name of ['OrdsDatapumpBackupProps', 'DatabaseProps', 'BucketOptions', 'RestoreDrillProps']) {
      expect(text).toContain(`## ${name}\n`);
    }
    expect(text).toContain("| `namePrefix` | `string` | no | 'ords-datapump-backup' |");
  });

  it('joins a multi-line TSDoc and escapes a union type for the table', () => {
    const source = `
/** Settings. */
export interface Example {
  /**
   * The mode,
   * on two lines.
   * @default 'a' (the
   *   first one)
   */
  readonly mode?: 'a' | 'b';
}
`;
    expect(readInterfaces(source)).toEqual([
      {
        name: 'Example',
        description: 'Settings.',
        props: [
          {
            name: 'mode',
            type: "'a' | 'b'",
            optional: true,
            description: 'The mode, on two lines.',
            defaultText: "'a' (the first one)",
          },
        ],
      },
    ]);
    expect(propsDocText(source)).toContain(
      "| `mode` | `'a' \\| 'b'` | no | 'a' (the first one) | The mode, on two lines. |",
    );
  });

  it('reads a one-line TSDoc with an inline @default, and an e-mail address as text', () => {
    const source = `export interface Example {
  /** Who gets alerts, e.g. dba@example.com. @default - nobody */
  readonly emails?: readonly string[];
}
`;
    expect(readInterfaces(source)[0]!.props).toEqual([
      {
        name: 'emails',
        type: 'readonly string[]',
        optional: true,
        description: 'Who gets alerts, e.g. dba@example.com.',
        defaultText: '- nobody',
      },
    ]);
  });

  it('refuses an optional prop without @default, naming it', () => {
    const source = 'export interface Example {\n  /** Undecided. */\n  readonly size?: number;\n}\n';

    expect(() => readInterfaces(source)).toThrow('Example.size is optional but its TSDoc has no @default');
  });

  it('refuses a prop without TSDoc, naming it', () => {
    const source =
      'export interface Example {\n  /** The id. */\n  readonly id: string;\n  readonly size: number;\n}\n';

    expect(() => readInterfaces(source)).toThrow('Example.size has no TSDoc comment');
  });
});
