/**
 * Capacity defined by latency (issue 26): the highest paced rate whose p99 stays ≤ 50 ms for
 * 30 s, every answer a 2xx and every request sent on schedule. Found with the open model
 * (report/open-model.mts): short runs double the rate from a start until one fails (or halve it
 * until one passes), bisection then narrows the gap to 5 % of the rate, and a full-length run
 * confirms the highest passing rate; when it fails, the rate steps down by 5 % and is confirmed
 * again. A short run that fails narrowly (more than 99 % of its requests sent) is run once more,
 * and the rate fails only if both do: one hiccup of the box (another process's burst, a GC)
 * must not halve the search. Each run waits
 * until the box answers quickly again (the previous one's pile-up drained) and begins with 2
 * settling seconds that are not counted (connections being opened).
 *
 * The search starts on a warm box: a run at a moderate rate, not counted, before the first.
 * Capacity is a steady state; freshly started processes still compiling their hot paths failed
 * the first short runs at 500 and 1,000/s (p99 150 and 91 ms), and the search, bisecting below
 * them, reported 969/s for a box that holds 3,500/s once warm (bench/results/spike-bound.md, 5).
 */
import { openModel, type AttackOptions, type OpenModelResult, type PlannedRequest } from '../report/open-model.mts';
import type { Capacity, CapacityProbe, RunFigures } from './overload-data.mts';
import { settled } from './stall-run.mts';

export const capacityP99Ms = 50;

/** The search found no rate that held (the box cannot hold even the lowest worth measuring). */
export class NoRateHeld extends Error {}

export interface SearchSettings {
  /** The first rate tried. */
  start: number;
  /** Seconds of each search run. */
  probeSeconds: number;
  /** Seconds of the confirming run. */
  confirmSeconds: number;
  /** Bisection stops when the gap is at most this share of the rate. */
  resolution: number;
  /** The generator's connections per run (open-model.mts: maxConnections). */
  maxConnections: number;
  /** The run before the search, not counted (0 seconds: none). */
  warmUp: { rate: number; seconds: number };
}

export const searchSettings = (): SearchSettings => ({
  start: Number(process.env.BENCH_CAPACITY_START ?? 500),
  probeSeconds: Number(process.env.BENCH_PROBE_SECONDS ?? 5),
  confirmSeconds: Number(process.env.BENCH_CAPACITY_SECONDS ?? 30),
  resolution: 0.05,
  maxConnections: generatorConnections(),
  warmUp: warmUpSettings(),
});

/** A bench setting from the environment (`fallback` when unset); a value below `lowest` or not a number stops the bench naming it. */
export function numberFromEnv(name: string, fallback: number, lowest: number, what = `a number ≥ ${lowest}`): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < lowest) throw new Error(`${name} must be ${what}, not '${process.env[name]}'`);
  return value;
}

/** BENCH_WARMUP_RATE (req/s, above 0) and BENCH_WARMUP_SECONDS (0: no warm-up). */
export function warmUpSettings(): SearchSettings['warmUp'] {
  return { rate: numberFromEnv('BENCH_WARMUP_RATE', 1000, 1), seconds: numberFromEnv('BENCH_WARMUP_SECONDS', 20, 0) };
}

/**
 * The connections the generator may open per attack: 1,000, the k6 spike scenario's maxVUs
 * (load/options.js), each virtual user with its connection. Unlimited, an overload made vegeta
 * open tens of thousands: ephemeral ports ran out and the next runs could not send.
 */
export function generatorConnections(): number {
  const value = Number(process.env.BENCH_MAX_CONNECTIONS ?? 1000);
  if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_MAX_CONNECTIONS must be a whole number of connections, not '${process.env.BENCH_MAX_CONNECTIONS}'`);
  return value;
}

const settleSeconds = 2;

/**
 * Every run of the search and at 70 %: the step attack (fasthttp, its connections opened first
 * with `GET /live`, which the stack and the bare servers answer 200), not vegeta. Vegeta's
 * net/http client took its whole core from about 20,000/s, so the bare cluster's capacity it
 * found (16,907–17,919/s) was the generator's; the step attack measured the same cluster at
 * 27,000/s with a p99 of 3.9 ms (bench/results/spike-bound.md, section 14). P7 is one
 * generator's ratio only if that generator stays below both limits.
 */
export const generatorOptions = (maxConnections: number): AttackOptions => ({ maxConnections, openConnections: { count: maxConnections, path: '/live' } });

/** Below this nothing is worth measuring: the search gives up. */
const lowestRate = 10;

export const runFigures = ({ rate, seconds, sent, dropped, p50Ms, p99Ms, maxMs, kinds, cpu }: OpenModelResult): RunFigures => ({ rate, seconds, sent, dropped, p50Ms, p99Ms, maxMs, kinds, cpu });

/**
 * Why a run did not hold its rate, each of: p99 over the bound, answers other than a 2xx (a
 * thousandth of slack for noise), requests the generator never sent (over a hundredth: it could
 * not keep the schedule; a few dozen go missing at the ends of a run, or in a hiccup of its
 * pacer, with the generator's CPU half idle). Empty: it held.
 */
export function misses(run: OpenModelResult): CapacityProbe['misses'] {
  const found: CapacityProbe['misses'] = [];
  if (run.sent === 0 || run.p99Ms > capacityP99Ms) found.push('p99');
  if (run.sent - run.kinds.ok > run.sent * 0.001) found.push('not 2xx');
  if (run.dropped > run.rate * run.seconds * 0.01) found.push('never sent');
  return found;
}

export const held = (run: OpenModelResult): boolean => misses(run).length === 0;

/**
 * The capacity is the generator's, not the box's, when a higher rate failed only because the
 * generator could not send on schedule (the box answered what it got within the bound).
 */
export const generatorBound = (capacity: Capacity): boolean =>
  capacity.probes.some((probe) => probe.rate > capacity.rate && probe.misses.length === 1 && probe.misses[0] === 'never sent');

/** The capacity of whatever answers `targets` at `port`; `log` hears each run. */
export async function findCapacity(port: number, targets: PlannedRequest[], settings: SearchSettings, log: (line: string) => void): Promise<Capacity> {
  const probes: CapacityProbe[] = [];
  const { warmUp } = settings;
  if (warmUp.seconds > 0) {
    const run = await openModel(port, targets, warmUp.rate, warmUp.seconds, 0, generatorOptions(settings.maxConnections));
    log(`  warm-up, not counted: ${warmUp.rate}/s for ${warmUp.seconds} s: p99 ${run.p99Ms} ms, ${run.sent - run.kinds.ok} not 2xx`);
  }
  const runAt = async (rate: number, confirming: boolean): Promise<OpenModelResult> => {
    const settledBefore = await settled(port);
    const run = await openModel(port, targets, rate, confirming ? settings.confirmSeconds : settings.probeSeconds, settleSeconds, generatorOptions(settings.maxConnections));
    const missed = misses(run);
    probes.push({ ...runFigures(run), passed: missed.length === 0, misses: missed, confirming, settledBefore });
    const generator = run.cpu === null ? '' : `, the generator ${Math.round(run.cpu.process * run.cpu.cores * 100)} % of a CPU`;
    log(
      `  ${rate}/s for ${run.seconds} s: p99 ${run.p99Ms} ms, ${run.sent - run.kinds.ok} not 2xx, ${run.dropped} never sent${generator}: ${missed.length === 0 ? 'held' : `not held (${missed.join(', ')})`}${confirming ? ', confirming' : ''}${settledBefore ? '' : ' (the box had not settled before it)'}`,
    );
    return run;
  };
  const tryRate = async (rate: number, confirming: boolean): Promise<boolean> => {
    const run = await runAt(rate, confirming);
    if (held(run)) return true;
    const narrowly = run.dropped <= run.rate * run.seconds * 0.01;
    return !confirming && narrowly && held(await runAt(rate, false));
  };
  try {
    return { rate: await searchRate(tryRate, settings), probes };
  } catch (error) {
    throw new Error(`port ${port}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The search itself: `holds(rate, confirming)` runs the box at `rate` (a short run, or the
 * full-length one that confirms) and says whether it held. The highest rate that held a
 * full-length run.
 */
export async function searchRate(holds: (rate: number, confirming: boolean) => Promise<boolean>, settings: Pick<SearchSettings, 'start' | 'resolution'>): Promise<number> {
  // The highest rate that held and the lowest that did not (0 and Infinity: none yet).
  let low = 0;
  let high = Infinity;
  for (let rate = settings.start; low === 0 || high === Infinity; ) {
    if (await holds(rate, false)) low = rate;
    else high = rate;
    if (low === 0 && rate / 2 < lowestRate) throw new NoRateHeld(`not even ${rate}/s held a p99 ≤ ${capacityP99Ms} ms`);
    rate = low === 0 ? Math.round(rate / 2) : rate * 2;
  }
  // Whole rates: a gap of 1/s cannot be split further.
  while (high - low > Math.max(1, low * settings.resolution)) {
    const middle = Math.round((low + high) / 2);
    if (await holds(middle, false)) low = middle;
    else high = middle;
  }
  // At least 1/s down each time: at the lowest rates 5 % rounds back to the same rate.
  for (let rate = low; rate >= lowestRate; rate = Math.min(rate - 1, Math.round(rate * (1 - settings.resolution)))) {
    if (await holds(rate, true)) return rate;
  }
  throw new NoRateHeld(`no rate held a p99 ≤ ${capacityP99Ms} ms for the full-length run`);
}
