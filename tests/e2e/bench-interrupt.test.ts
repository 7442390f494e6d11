import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { projectRoot } from '../support/servers';
import { waitFor } from '../support/wait';

jest.setTimeout(240_000);

interface Started {
  pid: number;
  /** Clock ticks after boot: with the pid, names the process even once its pid is reused. */
  startTime: string;
  command: string;
}

type Entry = Started & { parent: number; folder: string; environment: string[] };

/** Every live process (zombies left out): its parent, start time, command line, working folder and environment. */
function processTable(): Map<number, Entry> {
  const table = new Map<number, Entry>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // After the command's closing parenthesis: state, parent, ... and the start time 20th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      table.set(Number(name), {
        pid: Number(name),
        parent: Number(fields[1]),
        startTime: fields[19]!,
        command: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim(),
        folder: readlinkSync(`/proc/${name}/cwd`),
        environment: readFileSync(`/proc/${name}/environ`, 'latin1').split('\0'),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  return table;
}

/**
 * The processes of one bench run: those whose environment carries the run's mark (the bench and
 * what it starts, unless a process title overwrote that memory, as Redis's and Nginx's do), those
 * whose command line or working folder is in the run's temporary folder (the PM2 daemon's title
 * names its home, Redis works in its data folder), and every descendant of those (Nginx is the
 * bench's child, the API processes the daemon's).
 */
function processesOf(mark: string, folder: string): Started[] {
  const table = processTable();
  const ours = new Set(
    [...table.values()]
      .filter((entry) => entry.environment.includes(mark) || entry.command.includes(folder) || entry.folder.startsWith(folder))
      .map((entry) => entry.pid),
  );
  for (let grew = true; grew;) {
    grew = false;
    for (const entry of table.values()) {
      if (ours.has(entry.pid) || !ours.has(entry.parent)) continue;
      ours.add(entry.pid);
      grew = true;
    }
  }
  return [...ours].map((pid) => table.get(pid)!).map(({ pid, startTime, command }) => ({ pid, startTime, command }));
}

/** Of `started`, those still running (same pid and start time). */
function stillRunning(started: Started[]): Started[] {
  const table = processTable();
  return started.filter((entry) => table.get(entry.pid)?.startTime === entry.startTime);
}

interface Bench {
  child: ChildProcess;
  /** Its exit code; rejects, with what it printed, if it still runs 90 s later. */
  exitCode(): Promise<number | null>;
  output(): string;
  /** Throws, with what it printed, if it has ended. */
  expectRunning(): void;
  /** Its processes now, checked to be running, the kinds named in `kinds` among them. */
  running(kinds: Record<string, RegExp>): Started[];
}

/**
 * `./scripts/bench chaos` (small settings) interrupted: it starts its own Redis, FerretDB, PM2
 * daemon (API processes and a worker) and Nginx, and an interruption must leave none of them,
 * nor their folders (all in a TMPDIR of this test's own). The signals go to the bench process
 * alone, as `kill` sends them, so the bench has to stop every one itself (a terminal's Ctrl-C
 * also reaches the children in its process group, but never the PM2 daemon, which runs in a
 * session of its own).
 */
describe('a bench interrupted', () => {
  const folder = mkdtempSync(join(tmpdir(), 'ep-bench-interrupt-'));
  // PostgreSQL runs as the postgres user: it must get through to its folder inside this one.
  chmodSync(folder, 0o755);
  const mark = `EP_BENCH_RUN=${randomUUID()}`;
  afterAll(() => {
    // Whatever a failed run left behind.
    for (const { pid } of processesOf(mark, folder)) process.kill(pid, 'SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  });

  function startBench(): Bench {
    const [markName, markValue] = mark.split('=') as [string, string];
    const child = spawn(process.execPath, ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', join(projectRoot, 'scripts/benchmarks/chaos.mts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        [markName]: markValue,
        TMPDIR: folder,
        PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
        CHAOS_SCENARIOS: '1',
        CHAOS_SETTLE_SECONDS: '1',
        CHAOS_OUTAGE_SECONDS: '5',
        CHAOS_RATE: '5',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let ended = false;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    void exited.then(() => (ended = true));
    return {
      child,
      exitCode: () =>
        Promise.race([
          exited,
          delay(90_000, undefined, { ref: false }).then(() => {
            throw new Error(`the bench still runs 90 s after the signal:\n${output}`);
          }),
        ]),
      output: () => output,
      expectRunning() {
        if (ended) throw new Error(`the bench ended before it was interrupted:\n${output}`);
      },
      running(kinds) {
        const running = processesOf(mark, folder);
        for (const [kind, pattern] of Object.entries(kinds))
          expect({ kind, running: running.some(({ command }) => pattern.test(command)) }).toEqual({ kind, running: true });
        return running;
      },
    };
  }

  function expectEverythingGone(started: Started[]): void {
    expect([...stillRunning(started), ...processesOf(mark, folder)]).toEqual([]);
    expect(readdirSync(folder)).toEqual([]);
  }

  it('stops every process it started and removes its folders when Ctrl-C comes twice', async () => {
    const bench = startBench();
    await waitFor(
      'the bench to start its first scenario',
      () => {
        bench.expectRunning();
        return /^scenario 1:/m.test(bench.output());
      },
      180_000,
    );
    const started = bench.running({
      redis: /redis-server/,
      ferretdb: /ferretdb/,
      nginx: /nginx: master/,
      pm2: /PM2 v.*God Daemon/,
      api: /dist\/server\.js/,
      worker: /dist\/worker\.js/,
    });
    expect(readdirSync(folder).length).toBeGreaterThan(0);

    bench.child.kill('SIGINT');
    // An impatient second Ctrl-C while it stops things.
    await delay(300);
    bench.child.kill('SIGINT');
    expect(await bench.exitCode()).toBe(130);
    expectEverythingGone(started);
    expect(bench.output()).toMatch(/interrupted \(SIGINT\): stopping what this bench started/);
    expect(bench.output()).toMatch(/interrupted \(SIGINT\): still stopping /);
  });

  it('stops what it has started so far when SIGTERM comes during its start-up, as Nginx starts', async () => {
    const bench = startBench();
    let started: Started[] = [];
    await waitFor(
      'Nginx to start',
      () => {
        bench.expectRunning();
        started = processesOf(mark, folder);
        return started.some(({ command }) => /^nginx/.test(command));
      },
      180_000,
    );
    bench.child.kill('SIGTERM');
    expect(await bench.exitCode()).toBe(143);
    expectEverythingGone(started);
    expect(bench.output()).toMatch(/terminated \(SIGTERM\): stopping what this bench started/);
  });
});
