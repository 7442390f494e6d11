/**
 * Redis and FerretDB (on PostgreSQL) of the chaos benchmark's own, on free loopback ports. Each keeps its
 * data folder across a restart, so a scenario can kill one (or freeze it) and start it again
 * on the same port with the same data, as an operator's restart would. Only the pids spawned
 * here are ever signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, root } from '../bench-kit.mts';
import { stopOnExit } from '../stop-on-exit.mts';

/** Polls `check` every 100 ms; an error it throws ends the wait. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await delay(100)) {
    if (await check()) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

export interface PrivateServer {
  readonly name: string;
  readonly port: number;
  /** SIGSTOP freezes it with its sockets open (a hung server); SIGCONT thaws it. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** SIGKILL, then waits until the process is gone and its port closed. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it whatever its state (frozen included) and removes its data; also done on exit (stop-on-exit.mts). */
  destroy(): Promise<void>;
}

async function privateServer(name: string, command: string, args: (port: number, dir: string) => string[]): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `ep-chaos-${name}-`));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
    await waitFor(`${name}'s port ${port} to close`, async () => !(await accepts(port)));
  };
  const server: PrivateServer = {
    name,
    port,
    signal(signal) {
      child?.kill(signal);
    },
    kill: () => stopWith('SIGKILL'),
    async start() {
      const started = spawn(command, args(port, dir), { stdio: 'ignore' });
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await waitFor(`${name} on port ${port}`, () => {
        if (started.exitCode !== null) throw new Error(`${name} exited with ${started.exitCode}`);
        return accepts(port);
      });
    },
    destroy: stopOnExit(name, async () => {
      // A frozen process only acts on SIGTERM once thawed; SIGKILL ends what does not stop.
      server.signal('SIGCONT');
      const killLater = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await stopWith('SIGTERM');
      clearTimeout(killLater);
      rmSync(dir, { recursive: true, force: true });
    }),
  };
  await server.start();
  return server;
}

/** Every write fsynced to the append-only file before Redis answers: an acknowledged job survives a kill. */
export const startRedis = (): Promise<PrivateServer> =>
  privateServer('redis', process.env.REDIS_SERVER_BIN ?? 'redis-server', (port, dir) => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--loglevel', 'warning',
  ]);

const serverScript = (name: string): string => join(root, 'scripts', 'lib', name);

/**
 * FerretDB as the stack runs it, on a PostgreSQL of its own (or, `sqlite`, on SQLite files);
 * signals act on FerretDB, `destroy` removes both; `postgresql` is its backend's server.
 */
export async function startFerretDb(backend: 'postgresql' | 'sqlite' = 'postgresql'): Promise<PrivateServer & { postgresql: PrivateServer | null }> {
  const postgresql = backend === 'postgresql' ? await privateServer('postgresql', serverScript('postgresql-server'), (port, dir) => [dir, String(port)]) : null;
  const ferretdb = await privateServer('ferretdb', serverScript('ferretdb-server'), (port, dir) => [
    `127.0.0.1:${port}`, dir, postgresql ? `postgres://ferretdb@127.0.0.1:${postgresql.port}/ferretdb` : `file:${dir}/`,
  ]);
  return {
    ...ferretdb,
    postgresql,
    async destroy() {
      await ferretdb.destroy();
      await postgresql?.destroy();
    },
  };
}
