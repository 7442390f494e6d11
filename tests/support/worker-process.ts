import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './servers';
import { waitFor } from './wait';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exitCode: Promise<number | null>;
  output(): string;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const builtWorker = join(projectRoot, 'dist', 'worker.js');

/** The built worker as a real process on the test servers; resolves once it takes jobs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  if (!existsSync(builtWorker)) throw new Error(`${builtWorker} is missing: run \`npm run build\` (npm test does)`);
  const child = spawn(process.execPath, [builtWorker], {
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: env.LOG_LEVEL === 'silent' || !env.LOG_LEVEL ? 'info' : env.LOG_LEVEL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => ((exited = true), resolve(code))));
  await waitFor('the worker to start', () => {
    if (exited) throw new Error(`the worker exited during start-up:\n${output}`);
    return output.includes('"worker started"');
  });
  return {
    child,
    exitCode,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (!exited) child.kill(signal);
      return exitCode;
    },
  };
}
