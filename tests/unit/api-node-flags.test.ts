import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiNodeFlags } from '../support/node-flags';
import { projectRoot } from '../support/servers';

/**
 * The API's V8 heap flags (ecosystem.config.js; why: bench/results/spike-bound.md, section 10)
 * are given on Node's command line by each launcher, since NODE_OPTIONS refuses them. The
 * Kubernetes manifests are checked in kubernetes-app-settings.test.ts.
 */
describe("the API's Node flags", () => {
  it('are the heap-growing and memory-reducer flags, which this Node accepts', () => {
    expect(apiNodeFlags).toEqual(['--heap-growing-percent=300', '--no-memory-reducer']);
    const output = execFileSync(process.execPath, [...apiNodeFlags, '-e', 'process.stdout.write("ran")'], { encoding: 'utf8' });
    expect(output).toBe('ran');
  });

  it('a misspelt flag stops Node instead of being ignored (so a typo in a launcher fails its start)', () => {
    expect(() => execFileSync(process.execPath, ['--heap-growin-percent=300', '-e', ''], { stdio: 'pipe' })).toThrow(/bad option/);
  });

  it('are what the image runs the API with (the Dockerfile CMD, also used by compose and Swarm)', () => {
    const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1]!)).toEqual(['node', ...apiNodeFlags, 'dist/server.js']);
  });
});
