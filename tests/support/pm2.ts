import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './servers';

const run = promisify(execFile);
const pm2Cli = join(projectRoot, 'node_modules', 'pm2', 'bin', 'pm2');

/** A PM2 daemon of its own (private PM2_HOME), so tests never touch another PM2. */
export interface Pm2 {
  command(...args: string[]): Promise<string>;
  /** A command with some variables changed (e.g. `reload … --update-env` of a new release's environment). */
  commandWithEnv(env: Record<string, string>, ...args: string[]): Promise<string>;
  kill(): Promise<void>;
}

export function privatePm2(env: Record<string, string>): Pm2 {
  const home = mkdtempSync(join(tmpdir(), 'ep-pm2-'));
  const fullEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? home, PM2_HOME: home, ...env };
  const commandWithEnv = async (extra: Record<string, string>, ...args: string[]): Promise<string> => {
    const { stdout } = await run(process.execPath, [pm2Cli, ...args], { cwd: projectRoot, env: { ...fullEnv, ...extra }, timeout: 90_000 });
    return stdout;
  };
  const command = (...args: string[]): Promise<string> => commandWithEnv({}, ...args);
  return {
    command,
    commandWithEnv,
    async kill() {
      await command('kill').catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
