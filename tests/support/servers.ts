import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports';
import { portAccepts, waitFor } from './wait';

export const projectRoot = resolve(__dirname, '..', '..');

/** A real server process on a loopback port with its own temporary data folder. */
export interface LocalServer {
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  /** Stops the process (SIGTERM, then SIGKILL) and waits until its port is closed. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
  /** Sends a signal to the process: SIGSTOP freezes it with its sockets open (a hung server), SIGCONT thaws it. */
  signal(signal: NodeJS.Signals): void;
}

function launch(command: string, args: string[], port: number, name: string): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${stderr.slice(-500)}`))));
  exited.catch(() => undefined);
  return Promise.race([waitFor(`${name} on port ${port}`, () => portAccepts(port)).then(() => child), exited]);
}

function stopProcess(child: ChildProcess | null, port: number, signal: NodeJS.Signals): Promise<void> {
  if (child === null || child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
  return exited.then(async () => {
    clearTimeout(kill);
    await waitFor(`port ${port} to close`, async () => !(await portAccepts(port)));
  });
}

/** `stopSignal`: what stops the server at once (PostgreSQL: SIGINT, its fast shutdown; SIGTERM waits for its clients). */
async function managed(
  name: string,
  scheme: string,
  commandFor: (port: number, dataDir: string) => [string, string[]],
  stopSignal: NodeJS.Signals = 'SIGTERM',
): Promise<LocalServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `ep-${name}-`));
  let child: ChildProcess | null = null;
  const server: LocalServer = {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    dataDir,
    async start() {
      const [command, args] = commandFor(port, dataDir);
      child = await launch(command, args, port, name);
    },
    async stop() {
      await stopProcess(child, port, stopSignal);
      child = null;
    },
    async destroy() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    signal(signal) {
      child?.kill(signal);
    },
  };
  await server.start();
  return server;
}

/** `appendOnly`: every write is fsynced to an append-only file, so a restart keeps the data (queued jobs). */
export function startRedis(options: { appendOnly?: boolean } = {}): Promise<LocalServer> {
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const persistence = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  return managed('redis', 'redis', (port, dataDir) => [
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '', ...persistence, '--loglevel', 'warning'],
  ]);
}

/** A server's files and settings: scripts/lib/postgresql-server and ferretdb-server, as the stack runs them. */
const serverScript = (name: string): string => join(projectRoot, 'scripts', 'lib', name);

/** FerretDB with the PostgreSQL it stores its data in (null on FERRETDB_BACKEND=sqlite). */
export interface DatabaseServer extends LocalServer {
  readonly postgresql: LocalServer | null;
}

/**
 * FerretDB as the stack runs it: on a PostgreSQL of its own (`backend` sqlite, or
 * FERRETDB_BACKEND=sqlite: on SQLite files). `stop`, `start` and `signal` act on FerretDB; `postgresql` on its backend;
 * `destroy` removes both.
 */
export async function startFerretDb(backend = process.env.FERRETDB_BACKEND ?? 'postgresql'): Promise<DatabaseServer> {
  const postgresql =
    backend === 'sqlite'
      ? null
      : await managed('postgresql', 'postgres', (port, dataDir) => [serverScript('postgresql-server'), [dataDir, String(port)]], 'SIGINT');
  const backendUrl = (dataDir: string): string => (postgresql ? `postgres://ferretdb@127.0.0.1:${postgresql.port}/ferretdb` : `file:${dataDir}/`);
  const ferretdb = await managed('ferretdb', 'mongodb', (port, dataDir) => [
    serverScript('ferretdb-server'),
    [`127.0.0.1:${port}`, dataDir, backendUrl(dataDir)],
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

/**
 * Debian's Prometheus on a free loopback port, with its own data folder. `files` (its
 * configuration as prometheus.yml, and any rule files it names) are written beside the data.
 * Run under `timeout`, so it cannot outlive a test run that dies before stopping it.
 */
export async function startPrometheus(files: Record<string, string>, lifetimeSeconds = 600): Promise<LocalServer> {
  const server = await managed('prometheus', 'http', (port, dataDir) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dataDir, name), text);
    return [
      'timeout',
      [
        String(lifetimeSeconds),
        process.env.PROMETHEUS_BIN ?? 'prometheus',
        `--config.file=${join(dataDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
    ];
  });
  // Its port opens before its storage is loaded; until then every API call answers 503 "Service Unavailable".
  try {
    await waitFor('Prometheus to be ready', async () => (await fetch(`${server.url}/-/ready`).catch(() => null))?.status === 200, 30_000);
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
