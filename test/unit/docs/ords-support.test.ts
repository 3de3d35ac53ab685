import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VARIANTS = 'test/e2e/ords-variants.test.ts';

/** Test titles that play a row, by file. */
type Coverage = ReadonlyArray<readonly [file: string, title: string]>;

const FILE_NAME_IGNORED = [
  VARIANTS,
  'follows the names ORDS gives when it ignores file_name, and records the fallback',
] as const;
const KEEP_MASTER_REFUSED = [
  VARIANTS,
  'retries once without keep_master after a 400 naming it, and records the fallback in the manifest',
] as const;
const KEEP_MASTER_IGNORED = [
  VARIANTS,
  'reads the files by name when an ORDS that ignores keep_master drops the job on success',
] as const;
const KEEP_MASTER_LOST = [
  VARIANTS,
  "fails explaining keep_master when the dropped job's files answer 404 too",
] as const;
const OFFSET_IGNORED = [
  VARIANTS,
  'reads the job list in one page when ORDS ignores offset, and starts exactly one export',
] as const;
const EVERY_FIELD = [VARIANTS, 'records no fallback against an ORDS that takes every field'] as const;

/** Every row of docs/ords-support.md's tables, keyed by its first cell, and the tests that play it. */
const COVERAGE: Readonly<Record<string, Coverage>> = {
  '19.x': [FILE_NAME_IGNORED, KEEP_MASTER_REFUSED, KEEP_MASTER_IGNORED, KEEP_MASTER_LOST, OFFSET_IGNORED],
  '21.x': [FILE_NAME_IGNORED, KEEP_MASTER_REFUSED, KEEP_MASTER_IGNORED, KEEP_MASTER_LOST, OFFSET_IGNORED],
  '22.3+': [KEEP_MASTER_REFUSED, KEEP_MASTER_IGNORED, KEEP_MASTER_LOST],
  '23.x': [KEEP_MASTER_REFUSED, KEEP_MASTER_IGNORED, KEEP_MASTER_LOST],
  '24.x': [KEEP_MASTER_REFUSED, KEEP_MASTER_IGNORED, KEEP_MASTER_LOST],
  '25.x': [EVERY_FIELD],
  '26.x': [EVERY_FIELD],
  'Autonomous Database': [
    [
      VARIANTS,
      'counts ORA-20025 from DBMS_CLOUD.DELETE_FILE on Autonomous Database as a file already removed',
    ],
  ],
  'Offset paging of the job list': [OFFSET_IGNORED],
  '`Range` and `Content-Length` on file downloads': [
    [VARIANTS, 'confirms the end of chunked downloads without Range by the size REST-enabled SQL gives'],
    [
      VARIANTS,
      'fails rather than store a file whose end nothing confirms (chunked, no Range, no REST-enabled SQL)',
    ],
    [
      'test/unit/core/transfer/copy-file.test.ts',
      'resumes from a server that ignores Range by skipping the stored bytes when the whole file fits the budget',
    ],
    [
      'test/unit/core/transfer/copy-file.test.ts',
      'copies a chunked body of unknown length over several invocations, confirming its end with a 416',
    ],
  ],
  "An import job's log link": [
    [VARIANTS, 'fails the drill loudly, keeping the backup, when ORDS links no log for the import'],
  ],
  'A 500 from the job list': [
    [VARIANTS, 'fails naming DBA_DATAPUMP_JOBS and the grant when the user may not read the job list (500)'],
    [
      'test/unit/core/doctor/doctor-grants.test.ts',
      'reads a job list that answers 500 as a missing privilege on DBA_DATAPUMP_JOBS, with the statement',
    ],
  ],
};

/** The first cells of the body rows of the tables under `## Versions` and `## Behaviours …`. */
function rowsOf(markdown: string): string[] {
  const sections = markdown.split(/^## /m).filter((section) => /^(Versions|Behaviours)/.test(section));
  return sections.flatMap((section) =>
    section
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .slice(2)
      .map((line) => (line.split('|')[1] ?? '').trim().replace(/ \(.*$/, '')),
  );
}

describe('docs/ords-support.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/ords-support.md'), 'utf8');

  it('has a simulator test for every row, and no mapping for a row it does not have', () => {
    expect(rowsOf(doc).sort()).toEqual(Object.keys(COVERAGE).sort());
  });

  it.each(Object.entries(COVERAGE))('row %s names tests that exist', (_row, tests) => {
    expect(tests.length).toBeGreaterThan(0);
    for (const [file, title] of tests) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      const quoted = [`'${title}'`, `"${title}"`, `\`${title}\``];
      expect(
        quoted.some((text) => source.includes(text)),
        `${file} has no test titled ${JSON.stringify(title)}`,
      ).toBe(true);
    }
  });

  it('cites an Oracle page or says (undocumented) in every row of the versions table', () => {
    const versions = doc.split(/^## /m).find((section) => section.startsWith('Versions')) ?? '';
    const rows = versions
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .slice(2);
    for (const row of rows) expect(row, row).toMatch(/\[\d+\]|\(undocumented\)/);
  });
});
