/**
 * One stall under load (`./scripts/bench stall`, and the overload figures of `./scripts/bench
 * spike` and `report`): while an open model sends reads through Nginx at a fixed rate, both API
 * processes of the PM2 cluster are stopped (SIGSTOP) for a moment, as a long GC pause or a
 * starved VM would stop them; the PM2 daemon keeps running. Then: how long until the box
 * answers quickly again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { pm2, type Cluster } from '../bench-kit.mts';
import { timeLive } from '../report/connection-probe.mts';
import { openModel, type OpenModelResult, type PlannedRequest } from '../report/open-model.mts';

/** A second of the run counts as recovered from a stall when its p99 is at most this. */
export const stallRecoveredP99Ms = 100;

/**
 * Waits (at most 60 s) until 20 reads of /live in a row at `port` each answer within 50 ms: a run
 * must not start while the previous one's pile-up still drains. Each on a new connection: after
 * an overload, new connections can wait behind thousands queued to be accepted (a node:cluster
 * primary hands them out one by one) while a kept-alive one is answered at once. False if it never did.
 */
export async function settled(port: number): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  let fast = 0;
  while (fast < 20 && Date.now() < deadline) {
    const ms = await timeLive(port, false, 1000);
    fast = ms >= 0 && ms <= 50 ? fast + 1 : 0;
    await delay(fast === 0 ? 500 : 10);
  }
  return fast >= 20;
}

/**
 * Seconds from `fromSecond` (into the run; a fraction allowed) until every later second of the
 * run had answers and a p99 ≤ `boundMs`; null if that never happened within the run.
 */
export function recoveredAfter(perSecond: { count: number; p99Ms: number }[], fromSecond: number, boundMs: number): number | null {
  for (let second = Math.floor(fromSecond); second < perSecond.length; second++) {
    if (perSecond.slice(second).every((s) => s.count > 0 && s.p99Ms <= boundMs)) return Math.max(0, second - fromSecond);
  }
  return null;
}

export interface StallRun {
  result: OpenModelResult;
  /** Whether the box answered quickly again before the run started (it waits up to 60 s). */
  settledBefore: boolean;
  /** Seconds from the end of the stall until every later second's p99 is ≤ stallRecoveredP99Ms; null: not within the run. */
  recoveredAfterSeconds: number | null;
}

/** `targets` at `rate` through Nginx at `edgePort` for `seconds`; `stallAtSeconds` in, the cluster's API processes stopped for `stallMs` (0: no stall); the generator's connections unlimited unless `maxConnections`. */
export async function stallRun(
  edgePort: number,
  cluster: Cluster,
  targets: PlannedRequest[],
  options: { rate: number; seconds: number; stallMs: number; stallAtSeconds: number; maxConnections?: number },
): Promise<StallRun> {
  const settledBefore = await settled(edgePort);
  const running = openModel(edgePort, targets, options.rate, options.seconds, 0, options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections });
  if (options.stallMs > 0) {
    await delay(options.stallAtSeconds * 1000);
    // The API processes only: the PM2 daemon, which hands new connections to them, keeps running.
    const pids = (JSON.parse(await pm2(cluster, 'jlist')) as { pid: number }[]).map((app) => app.pid);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    await delay(options.stallMs);
    for (const pid of pids) process.kill(pid, 'SIGCONT');
  }
  const result = await running;
  return { result, settledBefore, recoveredAfterSeconds: recoveredAfter(result.perSecond, options.stallAtSeconds + options.stallMs / 1000, stallRecoveredP99Ms) };
}
