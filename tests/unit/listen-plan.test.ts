import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelMigratesQueuedConnections, listenPlan } from '../../src/infra/http/listen-plan';

const http = { host: '127.0.0.1', port: 3000, listenBacklog: 4096 };
const plain = { host: '127.0.0.1', port: 3000, backlog: 4096 };
const ownSocket = { ...plain, exclusive: true, reusePort: true };

describe('listenPlan', () => {
  it.each(['auto', 'reuseport', 'primary'] as const)('outside a cluster listens plainly whatever CLUSTER_LISTEN says (%s)', (clusterListen) => {
    expect(listenPlan({ ...http, clusterListen }, { isClusterWorker: false, migratesQueuedConnections: false })).toEqual({ options: plain, mode: 'single', warning: null });
  });

  it('auto: a socket of its own per process when the kernel migrates queued connections', () => {
    expect(listenPlan({ ...http, clusterListen: 'auto' }, { isClusterWorker: true, migratesQueuedConnections: true })).toEqual({ options: ownSocket, mode: 'reuseport', warning: null });
  });

  it.each([
    [false, 'net.ipv4.tcp_migrate_req is 0'],
    [null, 'net.ipv4.tcp_migrate_req is not available'],
  ])('auto: through the primary, with a warning that says why, when migration is %s', (migrates, reason) => {
    const plan = listenPlan({ ...http, clusterListen: 'auto' }, { isClusterWorker: true, migratesQueuedConnections: migrates });
    expect(plan).toMatchObject({ options: plain, mode: 'primary' });
    expect(plan.warning).toContain(reason);
  });

  it('reuseport forced without migration: its own socket, and a warning about resets on stop', () => {
    const plan = listenPlan({ ...http, clusterListen: 'reuseport' }, { isClusterWorker: true, migratesQueuedConnections: false });
    expect(plan).toMatchObject({ options: ownSocket, mode: 'reuseport' });
    expect(plan.warning).toMatch(/resets the connections queued/);
  });

  it('primary forced: through the primary even when migration is on, no warning', () => {
    expect(listenPlan({ ...http, clusterListen: 'primary' }, { isClusterWorker: true, migratesQueuedConnections: true })).toEqual({ options: plain, mode: 'primary', warning: null });
  });
});

describe('kernelMigratesQueuedConnections', () => {
  const folder = mkdtempSync(join(tmpdir(), 'ep-sysctl-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it.each([
    ['1\n', true],
    ['0\n', false],
  ])('reads %j as %s', (content, expected) => {
    const file = join(folder, 'tcp_migrate_req');
    writeFileSync(file, content);
    expect(kernelMigratesQueuedConnections(file)).toBe(expected);
  });

  it('is null on a kernel without the setting', () => {
    expect(kernelMigratesQueuedConnections(join(folder, 'missing'))).toBeNull();
  });
});
