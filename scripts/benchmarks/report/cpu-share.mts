/**
 * How busy the box was while a load generator ran, and how much of it the generator took: on a
 * 2-core box that the generator shares, "70 % of the maximum rate" may leave the server little
 * of the box (bench/results/paced-load.md). Linux only (/proc); elsewhere `null`.
 */
import { readFileSync } from 'node:fs';

export interface CpuShare {
  /** Cores the shares are of (the `cpuN` lines of /proc/stat). */
  cores: number;
  /** Share of all cores that ran something (not idle, not waiting for I/O, not stolen), 0–1. */
  box: number;
  /** Share of all cores the hypervisor gave to other guests (steal): a slower box, not our work. */
  steal: number;
  /** Share of all cores the watched process took, 0–1. */
  process: number;
}

interface Reading {
  busy: number;
  steal: number;
  total: number;
  cores: number;
  process: number;
}

/** The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal (ticks); guest time is inside user. */
function boxTicks(): Omit<Reading, 'process'> {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = lines[0]!.trim().split(/\s+/).slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  return {
    busy: user + nice + system + irq + softirq,
    steal,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
    cores: lines.filter((line) => /^cpu\d+ /.test(line)).length,
  };
}

/** utime + stime of a process: fields 14 and 15 of /proc/<pid>/stat, counted after the name's closing parenthesis. */
export function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function read(pid: number): Reading | null {
  try {
    return { ...boxTicks(), process: processTicks(pid) };
  } catch {
    // The process has exited (or there is no /proc).
    return null;
  }
}

export interface CpuWatch {
  /** The shares over the window; null if the process exited before the window began. Stops the watch. */
  result(): CpuShare | null;
}

/**
 * The window runs from `fromMs` to `toMs` after now (a run's measured seconds, without its
 * settling ones or the wait for late answers). Meanwhile it reads every `everyMs`, so that a
 * process that exits early still has a window: it ends at the last reading before the exit (the
 * process's ticks are gone with it), at most `everyMs` short.
 */
export function watchCpu(pid: number, fromMs: number, toMs: number, everyMs = 250): CpuWatch {
  let first: Reading | null = null;
  let last: Reading | null = null;
  let polling: NodeJS.Timeout | undefined;
  const poll = (): void => {
    last = read(pid) ?? last;
  };
  const opening = setTimeout(() => {
    first = read(pid);
    if (first !== null) polling = setInterval(poll, everyMs).unref();
  }, fromMs).unref();
  const closing = setTimeout(() => {
    clearInterval(polling);
    poll();
  }, toMs).unref();
  return {
    result() {
      clearTimeout(opening);
      clearTimeout(closing);
      clearInterval(polling);
      if (first === null || last === null || last.total <= first.total) return null;
      const total = last.total - first.total;
      return {
        cores: last.cores,
        box: (last.busy - first.busy) / total,
        steal: (last.steal - first.steal) / total,
        process: (last.process - first.process) / total,
      };
    },
  };
}
