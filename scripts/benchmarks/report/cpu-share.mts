/**
 * How busy the box was while a load generator ran, and how much of it the generator took: on a
 * 2-core box that the generator shares, "70 % of the maximum rate" may leave the server little
 * of the box (bench/results/cache-and-limits.md). Linux only (/proc); elsewhere `null`.
 */
import { readFileSync } from 'node:fs';

export interface CpuShare {
  /** Share of all cores that were busy (not idle, not waiting for I/O), 0–1. */
  box: number;
  /** Share of all cores the watched process took, 0–1. */
  process: number;
}

interface Reading {
  busy: number;
  total: number;
  process: number;
}

/** The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal … (ticks). */
function boxTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, ticks) => sum + ticks, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat; the name may hold spaces). */
function processTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
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
  /** Starts the window now (e.g. when the settling seconds end). */
  start(): void;
  /** Ends the window at the last reading taken while the process still ran. */
  stop(): CpuShare | null;
}

/**
 * Reads every `everyMs` while `pid` runs, so that the window ends at the last reading before
 * it exited (its ticks are gone with it): at most `everyMs` of the run is left out.
 */
export function watchCpu(pid: number, everyMs = 250): CpuWatch {
  let first: Reading | null = null;
  let last: Reading | null = null;
  const timer = setInterval(() => {
    const reading = read(pid);
    if (reading !== null && first !== null) last = reading;
  }, everyMs);
  return {
    start() {
      first = read(pid);
    },
    stop() {
      clearInterval(timer);
      if (first === null || last === null || last.total <= first.total) return null;
      const total = last.total - first.total;
      return { box: (last.busy - first.busy) / total, process: (last.process - first.process) / total };
    },
  };
}
