import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './servers';
import { migrateDatabase } from './migrate';
import { freePort } from './ports';
import { testEnvironment } from './test-env';
import { waitFor } from './wait';

export interface ApiProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly exitCode: Promise<number | null>;
  output(): string;
}

export const builtServer = join(projectRoot, 'dist', 'server.js');

export interface StartedProcess {
  child: ChildProcess;
  exitCode: Promise<number | null>;
  output(): string;
}

export function spawnApi(env: Record<string, string>): StartedProcess {
  if (!existsSync(builtServer)) throw new Error(`${builtServer} is missing: run \`npm run build\` (npm test does)`);
  return trackProcess(
    spawn(process.execPath, [builtServer], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** A spawned process's output (stdout and stderr together) and exit code. */
export function trackProcess(child: ChildProcess): StartedProcess {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exitCode, output: () => output };
}

/** The built server as a real process on a free port, against the shared test servers. */
export async function startApiProcess(env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const fullEnv = testEnvironment({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  await migrateDatabase(fullEnv.MONGODB_URI!);
  return spawnReadyApi(fullEnv, port);
}

/**
 * The built server started from exactly `env` (its database migrated), once it answers /ready on
 * `port`; `start` starts it another way than a plain child process (a pod sandbox).
 */
export async function spawnReadyApi(
  env: Record<string, string>,
  port: number,
  start: (env: Record<string, string>) => StartedProcess = spawnApi,
): Promise<ApiProcess> {
  const started = start(env);
  let exited = false;
  void started.exitCode.then(() => (exited = true));
  await waitFor(
    'the API to answer /ready',
    async () => {
      if (exited) throw new Error(`the API exited during start-up:\n${started.output()}`);
      const response = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null);
      return response?.status === 200;
      // Generous: with other test files starting processes on the same 2 cores, a start can be slow.
    },
    40_000,
  );
  return { port, ...started };
}
