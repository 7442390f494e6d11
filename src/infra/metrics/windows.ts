import type { Totals } from './window-totals';

/** One process's activity over a window: counts are differences, gauges the highest value seen. */
export interface WindowDelta extends Totals {
  /** The time the differences cover: shorter than the window while the process is younger. */
  seconds: number;
}

export const windowsMs = { '1m': 60_000, '5m': 300_000 } as const;
export type WindowName = keyof typeof windowsMs;

function difference(now: Totals, base: Totals, seconds: number, gauges: Record<string, number>): WindowDelta {
  const http: Totals['http'] = {};
  for (const [key, current] of Object.entries(now.http)) {
    const before = base.http[key];
    const count = current.count - (before?.count ?? 0);
    if (count <= 0) continue;
    http[key] = {
      count,
      errors: current.errors - (before?.errors ?? 0),
      buckets: current.buckets.map((value, index) => value - (before?.buckets[index] ?? 0)),
    };
  }
  const cache: Totals['cache'] = {};
  for (const [kind, current] of Object.entries(now.cache)) {
    const before = base.cache[kind];
    cache[kind] = { hits: current.hits - (before?.hits ?? 0), misses: current.misses - (before?.misses ?? 0) };
  }
  return { seconds, http, cache, gauges };
}

/**
 * This process's totals sampled at every publish, kept for the longest window. Each process
 * works out its own differences (no counter resets inside one process), and the summary adds
 * the processes' differences together: over a window, sums are what a person wants.
 */
export class WindowHistory {
  private readonly samples: { at: number; totals: Totals }[];

  constructor(now = Date.now()) {
    this.samples = [{ at: now, totals: { http: {}, cache: {}, gauges: {} } }];
  }

  record(totals: Totals, now = Date.now()): void {
    this.samples.push({ at: now, totals });
    const keepFrom = now - windowsMs['5m'];
    // Keep one sample at or before the window's start as the base of the difference.
    while (this.samples.length > 2 && this.samples[1]!.at <= keepFrom) this.samples.shift();
  }

  windows(current: Totals, now = Date.now()): Record<WindowName, WindowDelta> {
    const result = {} as Record<WindowName, WindowDelta>;
    for (const [name, ms] of Object.entries(windowsMs) as [WindowName, number][]) {
      const start = now - ms;
      let base = this.samples[0]!;
      for (const sample of this.samples) if (sample.at <= start) base = sample;
      const gauges = { ...current.gauges };
      for (const sample of this.samples) {
        if (sample.at < base.at) continue;
        for (const [key, value] of Object.entries(sample.totals.gauges)) gauges[key] = Math.max(gauges[key] ?? value, value);
      }
      result[name] = difference(current, base.totals, Math.max(0.001, (now - base.at) / 1000), gauges);
    }
    return result;
  }
}
