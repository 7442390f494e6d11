/**
 * The arithmetic of the chaos figures, apart from the processes that produce their input (and
 * from bench-kit.mts, which jest cannot load), so a test can check it on fixed data.
 */
import type { SecondPoint } from './chaos-data.mts';
import type { ReadinessSample } from './readiness.mts';
import type { Sample } from './traffic.mts';

/** The samples due in [from, to). */
export const between = (samples: Sample[], from: number, to: number): Sample[] => samples.filter((sample) => sample.at >= from && sample.at < to);

/** A 5xx, or no answer at all: what a client sees as the server failing. */
export const serverFailed = (sample: Sample): boolean => sample.status === 0 || sample.status >= 500;

/** Anything but a 2xx: the mix's requests all expect one. */
export const failed = (sample: Sample): boolean => sample.status < 200 || sample.status >= 300;

/** "12.3 % (45 of 366)". */
export function share(samples: Sample[], predicate: (sample: Sample) => boolean): string {
  const count = samples.filter(predicate).length;
  const percent = samples.length === 0 ? 0 : (count / samples.length) * 100;
  return `${percent.toFixed(1)} % (${count} of ${samples.length})`;
}

/** How many answers of each status ("0": none). */
export function statusCounts(samples: Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) counts[sample.status] = (counts[sample.status] ?? 0) + 1;
  return counts;
}

/** The 5xx and unanswered requests per status, method, path (query left out) and error code, e.g. "503 GET /api/stats (DATABASE_UNAVAILABLE)". */
export function failingRequests(samples: Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples.filter(serverFailed)) {
    const group = `${sample.status} ${sample.request.split('?')[0]!}${sample.code ? ` (${sample.code})` : ''}`;
    counts[group] = (counts[group] ?? 0) + 1;
  }
  return counts;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The changes of readiness after the first sample, with their times. */
export function flips(samples: ReadinessSample[]): ReadinessSample[] {
  return samples.filter((sample, index) => index > 0 && sample.ready !== samples[index - 1]!.ready);
}

/** Flips relative to `origin`: "2 (down +1.2 s, up +61.0 s)". */
export function describeFlips(samples: ReadinessSample[], origin: number): string {
  const changes = flips(samples);
  if (changes.length === 0) return '0';
  return `${changes.length} (${changes.map((change) => `${change.ready ? 'up' : 'down'} ${change.at >= origin ? '+' : '−'}${seconds(Math.abs(change.at - origin))}`).join(', ')})`;
}

/** Second by second from `origin`, for the samples due in [from, to). */
export function timeline(samples: Sample[], origin: number, from: number, to: number): SecondPoint[] {
  const points = new Map<number, SecondPoint>();
  for (const sample of between(samples, from, to)) {
    const second = Math.floor((sample.at - origin) / 1000);
    const point = points.get(second) ?? { second, sent: 0, failed: 0, maxMs: 0 };
    point.sent++;
    if (serverFailed(sample)) point.failed++;
    point.maxMs = Math.max(point.maxMs, sample.ms);
    points.set(second, point);
  }
  return [...points.values()].sort((a, b) => a.second - b.second);
}

export interface JobLog {
  /** 'job completed' lines per job id. */
  completions: Map<string, number>;
  /** Per worker id, the jobs it started and has not completed or failed (yet). */
  running: Map<string, Set<string>>;
  /** Every 'job started' and 'job completed' line with its time (ms since the epoch), in log order. */
  events: { msg: 'job started' | 'job completed'; jobId: string; at: number }[];
}

/**
 * The workers' pino lines (PM2's merged log; other lines are skipped): 'job started' (debug)
 * and 'job completed' / 'job failed', each naming the job and the worker, and its time.
 */
export function readJobLog(text: string): JobLog {
  const completions = new Map<string, number>();
  const running = new Map<string, Set<string>>();
  const events: JobLog['events'] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; jobId?: string; workerId?: string; time?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (!entry.jobId || !entry.workerId) continue;
    const jobs = running.get(entry.workerId) ?? new Set<string>();
    running.set(entry.workerId, jobs);
    if (entry.msg === 'job started') jobs.add(entry.jobId);
    if (entry.msg === 'job completed' || entry.msg === 'job failed') jobs.delete(entry.jobId);
    if (entry.msg === 'job completed') completions.set(entry.jobId, (completions.get(entry.jobId) ?? 0) + 1);
    if ((entry.msg === 'job started' || entry.msg === 'job completed') && entry.time) events.push({ msg: entry.msg, jobId: entry.jobId, at: Date.parse(entry.time) });
  }
  return { completions, running, events };
}
