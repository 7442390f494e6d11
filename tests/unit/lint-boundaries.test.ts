import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The component boundaries (docs/architecture.md) are enforced by ESLint (import cycles, deep
 * imports into another component, infrastructure importing a component) and by
 * dependency-cruiser (cycles of type-only imports, which ESLint's no-cycle skips). Each rule is
 * shown to fire on a small case, and the real tree to pass.
 */
const root = join(__dirname, '..', '..');

function lint(cases: { filePath: string; text: string }[]): { filePath: string; ruleIds: string[] }[] {
  const run = spawnSync(process.execPath, [join(root, 'tests/support/lint-text.mjs')], {
    cwd: root,
    input: JSON.stringify(cases.map((c) => ({ ...c, filePath: join(root, c.filePath) }))),
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { filePath: string; ruleIds: string[] }[];
}

describe('component boundaries', () => {
  it('lint rejects a deep import, a value cycle, infrastructure importing a component and process.env outside the config, and accepts the entry', () => {
    const [deep, wiring, cycle, infra, entry, environment] = lint([
      // Each text is linted as if it were the named file (the project service knows only real files).
      // Another component's internals instead of its entry.
      { filePath: 'src/components/documents/documents.routes.ts', text: "export { createAccessTokens } from '../learners/tokens';\n" },
      { filePath: 'src/api-routes.ts', text: "export { documentModel } from './components/documents/document.model';\n" },
      // account.model imports profile.schema: importing account.model back closes a cycle.
      { filePath: 'src/components/learners/profile.schema.ts', text: "import { accountModel } from './account.model';\nexport const model = accountModel;\n" },
      { filePath: 'src/infra/logger.ts', text: "export { documentModel } from '../components/documents';\n" },
      { filePath: 'src/components/documents/documents.routes.ts', text: "export { createAccessTokens } from '../learners';\n" },
      // Only the config module reads the environment.
      { filePath: 'src/infra/logger.ts', text: 'export const level = process.env.LOG_LEVEL;\n' },
    ]);
    expect(deep!.ruleIds).toEqual(['no-restricted-imports']);
    expect(wiring!.ruleIds).toEqual(['no-restricted-imports']);
    expect(cycle!.ruleIds).toEqual(['import-x/no-cycle']);
    expect(infra!.ruleIds).toEqual(['no-restricted-imports']);
    expect(entry!.ruleIds).toEqual([]);
    expect(environment!.ruleIds).toEqual(['no-restricted-properties']);
  }, 120_000);

  it('dependency-cruiser rejects a cycle of type-only imports and finds none in src/', () => {
    const depcruise = join(root, 'node_modules/.bin/depcruise');
    const fixture = spawnSync(depcruise, ['tests/fixtures/import-cycle'], { cwd: root, encoding: 'utf8' });
    expect(fixture.status).not.toBe(0);
    expect(fixture.stdout).toMatch(/no-circular: tests\/fixtures\/import-cycle\/a\.ts/);
    const source = spawnSync(depcruise, ['src'], { cwd: root, encoding: 'utf8' });
    expect(source.stdout).toContain('no dependency violations found');
    expect(source.status).toBe(0);
  }, 60_000);
});
