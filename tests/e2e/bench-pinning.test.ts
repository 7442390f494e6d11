import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../support/servers';

/**
 * The benchmarks' pinning (scripts/benchmarks/pinning.mts) on real processes: a bench process
 * pins a "box" of two processes (a shell and its child) with all their threads, unpins them,
 * pins them again, and is interrupted; its stop on exit must give the box its affinity back.
 */
jest.setTimeout(30_000);

const cpusOf = (pid: number): string => /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;

// The bench's side: a shell with a child of its own is the box; after each step it prints every affinity.
const bench = `
const { pinningFromEnv } = await import(${JSON.stringify(pathToFileURL(join(projectRoot, 'scripts/benchmarks/pinning.mts')).href)});
const { runBench } = await import(${JSON.stringify(pathToFileURL(join(projectRoot, 'scripts/benchmarks/stop-on-exit.mts')).href)});
const { spawn, execFileSync } = await import('node:child_process');
const { readFileSync, readdirSync } = await import('node:fs');
const cpus = (pid) => /^Cpus_allowed_list:\\s*(\\S+)$/m.exec(readFileSync('/proc/' + pid + '/status', 'utf8'))[1];
await runBench(async () => {
  const box = spawn('sh', ['-c', 'sleep 60 & wait'], { stdio: 'ignore' });
  let child = '';
  while (child === '') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    try { child = execFileSync('pgrep', ['-P', String(box.pid)], { encoding: 'utf8' }).trim(); } catch {}
  }
  const pinning = pinningFromEnv();
  const report = (step) => console.log(JSON.stringify({ step, modes: pinning.modes, box: box.pid, child: Number(child), self: cpus(process.pid), selfThreads: [...new Set(readdirSync('/proc/' + process.pid + '/task').map((task) => cpus(process.pid + '/task/' + task)))], boxCpus: cpus(box.pid), childCpus: cpus(child), describe: pinning.describe(step === 'unpinned' ? 'unpinned' : 'pinned') }));
  for (const step of ['pinned', 'unpinned', 'pinned again']) {
    pinning.apply(step === 'unpinned' ? 'unpinned' : 'pinned', [box.pid]);
    report(step);
  }
  await new Promise(() => undefined);
});
`;

interface Step {
  step: string;
  modes: string[];
  box: number;
  child: number;
  self: string;
  /** The affinities of all the bench's threads, each once. */
  selfThreads: string[];
  boxCpus: string;
  childCpus: string;
  describe: string;
}

const twoCpus = availableParallelism() >= 2;

(twoCpus ? test : test.skip)(
  'pinned: the bench on the first CPU, the box and its descendants on the others; unpinned: all shared; interrupted: the box gets its affinity back',
  async () => {
    const all = cpusOf(process.pid);
    const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', bench], {
      cwd: projectRoot,
      env: { ...process.env, BENCH_PIN: 'both' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const steps: Step[] = [];
    for await (const line of createInterface({ input: child.stdout! })) {
      steps.push(JSON.parse(line) as Step);
      if (steps.length === 3) break;
    }
    const [pinned, unpinned, again] = steps as [Step, Step, Step];
    try {
      const [generator, ...box] = all.split(',').flatMap((range) => {
        const [from, to = from] = range.split('-').map(Number) as [number, number?];
        return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
      });
      // Every thread of the bench (a Node process has several), and the box's descendants too.
      expect(pinned).toMatchObject({
        modes: ['pinned', 'unpinned'],
        self: generator,
        selfThreads: [generator],
        boxCpus: box.join(','),
        childCpus: box.join(','),
      });
      expect(pinned.describe).toContain(`the generator (vegeta, the step attack, autocannon, the probes) on CPU ${generator}`);
      expect(unpinned).toMatchObject({ self: all, boxCpus: all, childCpus: all });
      expect(again).toMatchObject({ self: generator, childCpus: box.join(',') });
      child.kill('SIGINT');
      await once(child, 'exit');
      expect([cpusOf(again.box), cpusOf(again.child)]).toEqual([all, all]);
    } finally {
      child.kill('SIGKILL');
      for (const pid of [pinned.child, pinned.box]) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // Gone already.
        }
      }
    }
  },
);
