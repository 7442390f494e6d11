/**
 * The baselines of the report: a hello world in node:http, in Express, in a node:cluster of
 * node:http workers, and the API itself in a hand-written node:cluster; each a child process
 * on a free port, answering every path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, root, waitReady } from '../bench-kit.mts';
import { stopOnExit } from '../stop-on-exit.mts';

const folder = join(import.meta.dirname, 'programs');
const programs = {
  nodeHttp: [join(folder, 'node-http-hello.cjs')],
  express: [join(folder, 'express-hello.cjs')],
  nodeHttpCluster: [join(folder, 'two-workers.cjs'), join(folder, 'node-http-hello.cjs')],
  apiCluster: [join(folder, 'two-workers.cjs'), join(root, 'dist', 'server.js')],
  api: [join(root, 'dist', 'server.js')],
};

export interface Server {
  port: number;
  /** The server's process (a node:cluster's primary, parent of its workers). */
  pid: number;
  stop(): Promise<void>;
}

/** `program` in a child process (cwd: the project), ready on /ready; LOG_LEVEL `warn` unless `env` sets it. */
export async function startProgram(program: keyof typeof programs, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, programs[program], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = stopOnExit(program, async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await waitReady(port);
  return { port, pid: child.pid!, stop };
}
