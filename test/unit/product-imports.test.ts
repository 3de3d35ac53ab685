import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every TypeScript file under a project folder. */
function sources(folder: string): string[] {
  return readdirSync(join(PROJECT_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('product code', () => {
  it.each(['simulator', 'functions', 'infra', 'local', 'bench'])(
    'in %s/ imports nothing from test/',
    (folder) => {
      const offenders = sources(folder).filter((file) =>
        /from\s+'(?:\.\.\/)+test\//.test(readFileSync(file, 'utf8')),
      );
      expect(offenders.map((file) => relative(PROJECT_ROOT, file))).toEqual([]);
    },
  );
});
