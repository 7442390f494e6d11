import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
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

function daemonPid(home: string): number | null {
  try {
    const pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
      const daemon = daemonPid(home);
      await command('kill').catch(() => undefined);
      // `pm2 kill` can return while the daemon still writes its log and module_conf.json, which
      // would recreate the folder after it was removed: wait (at most 5 s) until the daemon is gone.
      for (let waited = 0; daemon !== null && isRunning(daemon) && waited < 5000; waited += 50) await delay(50);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
