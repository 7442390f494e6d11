/**
 * An earlier commit of this project, built as it was, for before/after rows measured in the
 * same run as HEAD: a temporary git worktree with its own node_modules and dist/ (its own
 * tsconfig.build.json), removed again by `remove()` (or on exit: stop-on-exit.mts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, run } from './bench-kit.mts';
import { stopOnExit } from './stop-on-exit.mts';

export interface BeforeBuild {
  commit: string;
  /** The checkout, a `newCluster` checkout. */
  dir: string;
  /** How its dependencies were installed, for the report. */
  install: string;
  remove(): Promise<void>;
}

const quiet = ['--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'];

export async function buildCommit(commit: string): Promise<BeforeBuild> {
  const parent = mkdtempSync(join(tmpdir(), 'ep-bench-before-'));
  const dir = join(parent, 'tree');
  const git = (...args: string[]): Promise<unknown> => run('git', args, { cwd: root });
  const remove = stopOnExit(`the worktree of ${commit}`, async () => {
    await git('worktree', 'remove', '--force', dir).catch(() => undefined);
    await git('worktree', 'prune');
    rmSync(parent, { recursive: true, force: true });
  });
  await git('worktree', 'add', '--detach', dir, commit);
  const build: BeforeBuild = {
    commit: (await run('git', ['rev-parse', '--short', commit], { cwd: root })).stdout.trim(),
    dir,
    install: 'npm ci',
    remove,
  };
  try {
    const npm = (...args: string[]): Promise<unknown> => run('npm', [...args, ...quiet], { cwd: dir, maxBuffer: 16 * 2 ** 20 });
    await npm('ci').catch(async (error: unknown) => {
      // Commits before the lock was made complete (e2ecb5b) lack other platforms' optional
      // binaries, which npm ci refuses. npm install keeps every version the lock pins (and
      // package.json pins each dependency exactly) and only adds those entries.
      if (!/in sync/.test(String((error as { stderr?: unknown }).stderr))) throw error;
      await npm('install');
      build.install = 'npm install (npm ci refused the lock: optional binaries of other platforms missing; versions as pinned)';
    });
    await run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir });
    return build;
  } catch (error) {
    await build.remove();
    throw error;
  }
}
