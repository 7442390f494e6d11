import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import MarkdownIt from 'markdown-it';

/**
 * The README is one screen and links to docs/ for the rest: every relative link in README.md and
 * docs/*.md must lead somewhere, and a `#fragment` to a heading of the file it names, by the anchor
 * github.com gives that heading.
 */
const root = resolve(__dirname, '../..');
const markdown = new MarkdownIt();
type Token = MarkdownIt.Token;

function documentsOf(folder: string): string[] {
  const docs = join(folder, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((name) => name.endsWith('.md'))
        .map((name) => join(docs, name))
    : [];
  return [join(folder, 'README.md'), ...inDocs];
}

function inlineTokens(file: string): Token[] {
  return markdown.parse(readFileSync(file, 'utf8'), {}).flatMap((token) => (token.type === 'inline' ? (token.children ?? []) : []));
}

function targetsOf(file: string): string[] {
  return inlineTokens(file).flatMap((token) => {
    const target = token.type === 'link_open' ? token.attrGet('href') : token.type === 'image' ? token.attrGet('src') : null;
    return target === null ? [] : [String(target)];
  });
}

/**
 * GitHub's anchor of a heading (github-slugger's rule: lower case, every character but letters,
 * marks, digits, `_`, `-` and spaces dropped, spaces to `-`). The package itself is an ES module,
 * which jest cannot require here without --experimental-vm-modules.
 */
function slugOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors GitHub gives the headings of a Markdown file, repeated ones numbered as it does. */
function anchorsOf(file: string): Set<string> {
  const tokens = markdown.parse(readFileSync(file, 'utf8'), {});
  const anchors = new Set<string>();
  tokens.forEach((token, index) => {
    if (token.type !== 'heading_open') return;
    const text = (tokens[index + 1]?.children ?? [])
      .filter((child) => child.type === 'text' || child.type === 'code_inline')
      .map((child) => child.content)
      .join('');
    const slug = slugOf(text);
    let anchor = slug;
    for (let repeat = 1; anchors.has(anchor); repeat += 1) anchor = `${slug}-${repeat}`;
    anchors.add(anchor);
  });
  return anchors;
}

/** Every relative link of the folder's README.md and docs/*.md that leads nowhere, with why. */
function brokenLinks(folder: string): string[] {
  return documentsOf(folder).flatMap((file) =>
    targetsOf(file)
      .filter((target) => !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(target))
      .flatMap((target) => {
        const [path = '', fragment] = target.split('#', 2);
        const linked = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
        const where = `${relative(folder, file)}: ${target}`;
        if (!existsSync(linked)) return [`${where} (no such file)`];
        if (fragment === undefined) return [];
        if (!linked.endsWith('.md')) return [`${where} (a fragment of a file that is not Markdown)`];
        return anchorsOf(linked).has(decodeURIComponent(fragment)) ? [] : [`${where} (no such heading)`];
      }),
  );
}

describe('documentation links', () => {
  it('README.md and every docs/*.md link only to files and headings that exist', () => {
    const documents = documentsOf(root);
    expect(documents.length).toBeGreaterThan(1);
    expect(documents.flatMap(targetsOf).length).toBeGreaterThan(documents.length);
    expect(brokenLinks(root)).toEqual([]);
  });

  it('every file in docs/ is linked from the README', () => {
    const fromReadme = new Set(targetsOf(join(root, 'README.md')).map((target) => resolve(root, target.split('#')[0] ?? '')));
    const unlinked = documentsOf(root)
      .slice(1)
      .filter((file) => !fromReadme.has(file));
    expect(unlinked.map((file) => relative(root, file))).toEqual([]);
  });

  it('the README fits a screen, and its first code block is the two commands CI and users run', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(200);
    const firstBlock = markdown.parse(readme, {}).find((token) => token.type === 'fence');
    const commands = (firstBlock?.content ?? '').split('\n').map((line) => line.split('#')[0]?.trim());
    expect(commands.filter(Boolean)).toEqual(['./scripts/stack up', 'npm test']);
  });

  describe('the check itself', () => {
    let folder: string;
    beforeEach(() => {
      folder = mkdtempSync(join(tmpdir(), 'doc-links-'));
      writeFileSync(join(folder, 'README.md'), '# Top\n');
    });
    afterEach(() => rmSync(folder, { recursive: true, force: true }));

    function write(markdownText: string): void {
      writeFileSync(join(folder, 'README.md'), markdownText);
    }

    it('finds a missing file, a missing heading and a fragment of a file that is not Markdown', () => {
      writeFileSync(join(folder, 'notes.txt'), 'text');
      write('# Top\n\n[gone](docs/gone.md) [bad](#nowhere) [txt](notes.txt#x) ![img](missing.png)\n');
      expect(brokenLinks(folder)).toEqual([
        'README.md: docs/gone.md (no such file)',
        'README.md: #nowhere (no such heading)',
        'README.md: notes.txt#x (a fragment of a file that is not Markdown)',
        'README.md: missing.png (no such file)',
      ]);
    });

    it("accepts GitHub's anchors: code and punctuation dropped, duplicates numbered, in the linked file", () => {
      write(
        [
          '# Walk-through (against `./scripts/stack up`)',
          '## Edge (Nginx, `nginx/`)',
          '## Twice',
          '## Twice',
          '',
          '[a](#walk-through-against-scriptsstack-up) [b](#edge-nginx-nginx) [c](#twice-1) [d](README.md#twice)',
          '[web](https://example.com/#nowhere) `[code](gone.md)`',
          '',
          '```',
          '[in a block](gone.md)',
          '```',
        ].join('\n'),
      );
      expect(brokenLinks(folder)).toEqual([]);
    });
  });
});
