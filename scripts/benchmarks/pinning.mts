/**
 * Measurement that does not fight the box (issue 26): the load generator on one CPU, the box
 * under test on the others. On this 2-core box an unpinned generator took up to half a core
 * from what it measured, so "70 % of the maximum" left the server little of the box
 * (bench/results/paced-load.md). Pinned, the box's capacity is one core's, and the generator's
 * cost no longer moves it.
 *
 * BENCH_PIN: `on` (pinned), `off` (unpinned) or `both` (each figure pinned, then unpinned; the
 * default). Pinned: this bench's own process (autocannon runs in it, the probes, and vegeta,
 * which inherits its affinity) on the first CPU it may use, and every process of the box with
 * all its threads (`taskset -a -p -c`) and all its descendants on the others: the processes
 * the bench started (Nginx, PM2 daemons and their API processes, hello servers) and the
 * stack's (Redis, FerretDB, PostgreSQL, and its Nginx and PM2, found by their pid files).
 * Unpinned: everything back on every CPU. The stack's processes get their own affinity back at
 * the end, however the bench ends (stop-on-exit.mts). With fewer than 2 CPUs pinning is not
 * possible: the bench says so and runs unpinned.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './bench-kit.mts';
import { stopOnExit } from './stop-on-exit.mts';

export type PinMode = 'pinned' | 'unpinned';

/** The CPUs a thread may run on (`Cpus_allowed_list`, e.g. "0-1"); null once it has exited. */
function allowedCpus(pid: number): string | null {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** "0-2,5" → [0, 1, 2, 5]. */
function expand(list: string): number[] {
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number) as [number, number?];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

const cpuNames = (list: string): string => (expand(list).length === 1 ? `CPU ${list}` : `CPUs ${list}`);

/** Every live process with its parent, from /proc/<pid>/stat (field 4, after the name's closing parenthesis). */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  return parentOf;
}

/** Each root that is alive, mapped to itself, and each of its descendants, mapped to its root. */
function trees(roots: number[]): Map<number, number> {
  const parentOf = parents();
  const rootOf = new Map<number, number>();
  for (const pid of roots) if (parentOf.has(pid)) rootOf.set(pid, pid);
  // Parents before children is not guaranteed by pid order: repeat until nothing is added.
  for (let added = true; added; ) {
    added = false;
    for (const [pid, parent] of parentOf) {
      if (!rootOf.has(pid) && rootOf.has(parent)) {
        rootOf.set(pid, rootOf.get(parent)!);
        added = true;
      }
    }
  }
  return rootOf;
}

/** All threads of `pid` on `cpus`; false if it has exited (or taskset refused). */
function setAffinity(pid: number, cpus: string): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

/** The stack's long-lived processes, by the pid files `./scripts/stack up` writes. */
export function stackProcesses(): number[] {
  const stack = join(root, '.stack');
  return ['redis.pid', 'postgresql.pid', 'ferretdb.pid', 'mongod.pid', 'nginx/nginx.pid', 'pm2/pm2.pid']
    .map((file) => join(stack, file))
    .filter((file) => existsSync(file))
    .map((file) => Number(readFileSync(file, 'utf8').trim()))
    .filter((pid) => pid > 0);
}

export interface Pinning {
  /** The modes to measure, in order. */
  modes: PinMode[];
  /** Why the bench cannot pin here; null when it can. */
  unavailable: string | null;
  /** What `mode` means on this box, for every result. */
  describe(mode: PinMode): string;
  /**
   * This process (the generator's side) and `box` (pids; their descendants and threads too) as
   * `mode` says. Call it after starting the box's processes and before measuring: a process
   * started later inherits the affinity of whoever started it.
   */
  apply(mode: PinMode, box: number[]): void;
}

export function pinningFromEnv(): Pinning {
  const setting = process.env.BENCH_PIN ?? 'both';
  const requested: PinMode[] | undefined = ({ on: ['pinned'], off: ['unpinned'], both: ['pinned', 'unpinned'] } as Record<string, PinMode[]>)[setting];
  if (!requested) throw new Error(`BENCH_PIN must be on, off or both, not '${setting}'`);
  const all = allowedCpus(process.pid) ?? '0';
  const cpus = expand(all);
  const unavailable = cpus.length < 2 ? `pinning is not possible: this bench may use ${cpus.length} CPU (${all}); it ran unpinned` : null;
  const generator = String(cpus[0]);
  const box = cpus.slice(1).join(',');
  /** The affinity each process had when the bench first changed it, to give it back. */
  const original = new Map<number, string>();
  /** Every root ever given to apply: their trees are restored at the end. */
  const roots = new Set<number>();
  const set = (pid: number, cpuList: string): void => {
    if (!original.has(pid)) {
      const before = allowedCpus(pid);
      if (before === null) return;
      original.set(pid, before);
    }
    setAffinity(pid, cpuList);
  };
  const restore = (): void => {
    for (const [pid, treeRoot] of trees([...roots, process.pid])) setAffinity(pid, original.get(pid) ?? original.get(treeRoot) ?? all);
  };
  let restoreOnExit: (() => Promise<void>) | null = null;
  return {
    modes: unavailable ? ['unpinned'] : requested,
    unavailable,
    describe: (mode) =>
      unavailable ??
      (mode === 'pinned'
        ? `pinned: the generator (vegeta, the step attack, autocannon, the probes) on CPU ${generator}, the box (Nginx, PM2 and the API, Redis, the database) on ${cpuNames(box)}`
        : `unpinned: generator and box share ${cpuNames(all)}`),
    apply(mode, boxPids) {
      if (unavailable) return;
      restoreOnExit ??= stopOnExit("the CPU affinity of the stack's processes", restore);
      for (const pid of boxPids) roots.add(pid);
      set(process.pid, mode === 'pinned' ? generator : all);
      for (const pid of trees(boxPids).keys()) set(pid, mode === 'pinned' ? box : all);
    },
  };
}
