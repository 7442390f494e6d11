import { execFile } from 'node:child_process';

/** Runs Debian's promtool (scripts/test installs it); resolves with its exit code and output. */
export function promtool(args: string[], stdin?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: `${stdout}${stderr}${code === -1 ? (error?.message ?? '') : ''}` });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
