import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Markdown pages a reader reaches from the README. */
const PAGES = [
  'README.md',
  'BENCHMARKS.md',
  'config/README.md',
  'simulator/README.md',
  'functions/core/README.md',
  ...readdirSync(join(PROJECT_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The text of a page outside its fenced code blocks. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (heading as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every relative link of a page, as [target file, anchor]. */
function linksOf(page: string): Array<{ link: string; file: string; anchor: string | undefined }> {
  const file = join(PROJECT_ROOT, page);
  const links = [...prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map(
    (match) => match[1] as string,
  );
  return links
    .filter((link) => !/^[a-z]+:/i.test(link))
    .map((link) => {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      return { link, file: path === '' ? file : join(dirname(file), path), anchor };
    });
}

describe('documentation links', () => {
  it.each(PAGES)('in %s all resolve to a file and a heading', (page) => {
    const broken = linksOf(page)
      .filter(({ file, anchor }) => {
        if (!existsSync(file)) return true;
        if (anchor === undefined || statSync(file).isDirectory()) return false;
        return !anchorsOf(file).has(anchor);
      })
      .map(({ link }) => link);
    expect(broken).toEqual([]);
  });

  it('reaches every page under docs/ from the README', () => {
    const linked = new Set(
      linksOf('README.md').map(({ file }) => relative(PROJECT_ROOT, file).replace(/\\/g, '/')),
    );
    const docs = PAGES.filter((page) => page.startsWith('docs/'));
    expect(docs.filter((page) => !linked.has(page))).toEqual([]);
  });

  it('keeps the README under 200 lines with both quick-start commands', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(200);
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
