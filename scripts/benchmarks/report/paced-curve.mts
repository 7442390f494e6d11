/**
 * p99 against the offered rate: the open model at several shares of the closed-model maximum,
 * each with how busy the box was, so a missed latency goal shows whether the box had room
 * (bench/results/paced-load.md). Used by cache-and-limits.mts.
 */
import type { ProbeFigures } from './connection-probe.mts';
import type { OpenModelResult } from './open-model.mts';

/** Shares of the closed-model maximum the open model runs at, lowest first; the goal is at 70 %. */
export const curveFractions = [0.4, 0.55, 0.7];
export const goalFraction = 0.7;

export type ProbedRun = OpenModelResult & { fraction: number; probe: { newConnection: ProbeFigures; keptAlive: ProbeFigures } };

/** One rate's runs, summed up by the run with the median p99: every figure of a point comes from that run. */
export interface CurvePoint<Run extends OpenModelResult> {
  target: string;
  fraction: number;
  runs: Run[];
  median: Run;
  /** Requests per second answered with a 2xx in the measured seconds (below the rate when the box fell behind). */
  answeredPerSecond: number;
  /** CPU per answered request of everything but vegeta, µs: (busy − vegeta) × cores ÷ answered. */
  restMicroseconds?: number;
}

export function curvePoint<Run extends OpenModelResult>(target: string, fraction: number, runs: Run[]): CurvePoint<Run> {
  const median = [...runs].sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor(runs.length / 2)]!;
  const answeredPerSecond = Math.round((median.sent - median.failed) / median.seconds);
  const cpu = median.cpu;
  return {
    target,
    fraction,
    runs,
    median,
    answeredPerSecond,
    ...(cpu === null || answeredPerSecond === 0 ? {} : { restMicroseconds: Math.round(((cpu.box - cpu.process) * cpu.cores * 1e6) / answeredPerSecond) }),
  };
}

export const percentOf = (share: number | undefined): string => (share === undefined ? 'n/a' : `${Math.round(share * 100)} %`);

/** What the JSON summary keeps of each point: every run's figures, the probe's where there was one. */
export function curveSummary(points: CurvePoint<OpenModelResult & { probe?: ProbedRun['probe'] }>[]): unknown[] {
  return points.map(({ target, fraction, answeredPerSecond, restMicroseconds, runs, median }) => ({
    target,
    fraction,
    answeredPerSecond,
    restMicroseconds,
    medianRun: runs.indexOf(median),
    runs: runs.map(({ rate, sent, dropped, failed, p50Ms, p99Ms, maxMs, cpu, probe }) => ({ rate, sent, dropped, failed, p50Ms, p99Ms, maxMs, cpu, probe })),
  }));
}

/** The markdown section: one row per point. */
export function curveSection(points: CurvePoint<OpenModelResult>[], maximum: number, connections: number): string {
  const cores = points.find((point) => point.median.cpu !== null)?.median.cpu?.cores ?? 'n/a';
  const rows = points.map(({ target, fraction, runs, median: run, answeredPerSecond, restMicroseconds }) =>
    [
      target,
      `${Math.round(fraction * 100)} %`,
      `${run.rate} / ${answeredPerSecond}`,
      run.p50Ms,
      `${run.p99Ms} (${runs.map((each) => each.p99Ms).join(', ')})`,
      run.dropped,
      percentOf(run.cpu?.box),
      percentOf(run.cpu?.steal),
      percentOf(run.cpu?.process),
      restMicroseconds ?? 'n/a',
    ].join(' | '),
  );
  return `## p99 against the offered rate (open model, signed-in read)

The maximum (${maximum} req/s) is autocannon's, ${connections} connections kept busy; the open model paces requests at shares of it
with vegeta, which shares the ${cores} cores. "Busy" is the share of all cores that ran something over the measured seconds
(/proc/stat, report/cpu-share.mts), "steal" the share the hypervisor gave to other guests, "vegeta" its own share. "The rest"
is the CPU per answered (2xx) request of everything else: Nginx, the API, Redis, idle timers and, in the stack's rows, the
connection probe (2 requests to the cluster every 20 ms, not counted as answered). 3 runs per rate, interleaved; every
figure of a row is from the run with the median p99. "Dropped": requests the schedule asked for that vegeta did not send.
The last row is the bare node:http cluster ×2, straight from vegeta: what a paced request costs the box without the stack.

| target | share of the maximum | req/s offered / answered | p50 ms | p99 ms (the 3 runs) | dropped | box busy | steal | vegeta | the rest, µs per request |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.map((row) => `| ${row} |`).join('\n')}
`;
}
