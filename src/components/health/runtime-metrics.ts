import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const resolutionMs = 10;
// Sampling from import onwards costs one timer every 10 ms; the first report then has data.
const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
histogram.enable();

/** Event-loop delay since the previous reading (at most one a second: /health shares it), in ms (p99 and max). */
export function eventLoopLag(): { p99: number; max: number } {
  // Each sample is the time between timer ticks, so the tick interval itself is not lag.
  const toLagMs = (nanoseconds: number): number => Math.max(0, nanoseconds / 1e6 - resolutionMs);
  const lag = { p99: toLagMs(histogram.percentile(99)), max: toLagMs(histogram.max) };
  histogram.reset();
  return lag;
}

/** Heap in use against the heap limit V8 will grow to; the ratio that predicts an out-of-memory crash. */
export function memoryUsage(): { heapUsed: number; heapLimit: number; rss: number; ratio: number } {
  const { heapUsed, rss } = process.memoryUsage();
  const heapLimit = getHeapStatistics().heap_size_limit;
  return { heapUsed, heapLimit, rss, ratio: heapUsed / heapLimit };
}
