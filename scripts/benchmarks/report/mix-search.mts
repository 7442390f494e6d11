/**
 * The mix's sustainable rate (issue 24): the highest paced rate (open model) at which the mix
 * keeps its p95 ≤ 100 ms with no 5xx, at most 1 % of other failures and the rate kept. Found as
 * the capacity is (overload/capacity.mts, searchRate): short runs double the rate from 100/s until
 * one fails, bisection narrows the gap to 5 %, and a 60 s run confirms the highest rate that held
 * (stepping down by 5 % while it does not), so that the servers' 1-minute window read right after
 * it (report.mts) covers the mix at that rate. A short run that fails is run once more and the
 * rate fails only if both do: one hiccup of the box must not halve the search.
 */
import { NoRateHeld, searchRate } from '../overload/capacity.mts';
import { settled } from '../overload/stall-run.mts';
import type { PinMode } from '../pinning.mts';
import { openModel, type OpenModelResult, type PlannedRequest } from './open-model.mts';
import type { MixStep } from './report-data.mts';

export const mixP95Ms = 100;
const probeSeconds = 10;
export const mixConfirmSeconds = 60;
const settleSeconds = 2;

/** Why a run of the mix did not hold its rate; empty: it held. */
export function mixMisses(run: Pick<OpenModelResult, 'rate' | 'seconds' | 'sent' | 'failed' | 'p95Ms' | 'statuses'>): string[] {
  const fiveXx = fiveXxOf(run.statuses);
  const found: string[] = [];
  if (run.sent === 0 || run.p95Ms > mixP95Ms) found.push('p95');
  if (fiveXx > 0) found.push('5xx');
  if (run.failed - fiveXx > run.sent * 0.01) found.push('failures');
  if (run.sent < run.rate * run.seconds * 0.95) found.push('rate not kept');
  return found;
}

const fiveXxOf = (statuses: Record<string, number>): number =>
  Object.entries(statuses).reduce((count, [status, times]) => count + (Number(status) >= 500 ? times : 0), 0);

/** The mix's sustainable rate at `port` (0 when no rate held) and every run of the search. */
export async function findMixRate(
  port: number,
  plan: PlannedRequest[],
  mode: PinMode,
  log: (line: string) => void,
): Promise<{ sustainable: number; steps: MixStep[] }> {
  const steps: MixStep[] = [];
  const runAt = async (rate: number, confirming: boolean): Promise<boolean> => {
    await settled(port);
    const run = await openModel(port, plan, rate, confirming ? mixConfirmSeconds : probeSeconds, settleSeconds);
    const misses = mixMisses(run);
    const achieved = Math.round(run.sent / run.seconds);
    steps.push({
      pinning: mode,
      rate,
      seconds: run.seconds,
      confirming,
      achieved,
      p95Ms: run.p95Ms,
      fiveXx: fiveXxOf(run.statuses),
      failed: run.failed,
      held: misses.length === 0,
    });
    log(
      `  mix ${rate}/s for ${run.seconds} s: p95 ${run.p95Ms} ms, ${run.failed} failed: ${misses.length === 0 ? 'held' : `not held (${misses.join(', ')})`}${confirming ? ', confirming' : ''}`,
    );
    return misses.length === 0;
  };
  const holds = async (rate: number, confirming: boolean): Promise<boolean> => (await runAt(rate, confirming)) || (!confirming && (await runAt(rate, false)));
  const sustainable = await searchRate(holds, { start: 100, resolution: 0.05 }).catch((error: unknown) => {
    if (error instanceof NoRateHeld) return 0;
    throw error;
  });
  return { sustainable, steps };
}
