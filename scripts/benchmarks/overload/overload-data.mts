/**
 * What the overload figures (issue 26) hold: capacity by latency, the spikes and the stall, per
 * pinning; the input of render-overload.mts, kept in the JSON of `./scripts/bench spike` and
 * `./scripts/bench report`.
 */
import type { PinMode } from '../pinning.mts';
import type { CpuShare } from '../report/cpu-share.mts';
import type { AnswerKind } from '../report/open-model.mts';

/** One open-model run summed up. */
export interface RunFigures {
  rate: number;
  seconds: number;
  sent: number;
  dropped: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  kinds: Record<AnswerKind, number>;
  cpu: CpuShare | null;
}

/** One step of a rate search: a short run at `rate`, passed or not. */
export interface CapacityProbe extends RunFigures {
  passed: boolean;
  /** Why it did not hold (capacity.mts: misses); empty when it did. */
  misses: ('p99' | 'not 2xx' | 'never sent')[];
  /** The full-length run that confirms the final rate (or failed to). */
  confirming: boolean;
  /** Whether the box answered /live within 50 ms again before the run (stall-run.mts: settled). */
  settledBefore: boolean;
}

export interface Capacity {
  /** The highest paced rate whose p99 stayed ≤ 50 ms, every answer a 2xx, for the full-length run. */
  rate: number;
  /** The rate search, in order; the last passed confirming run is the capacity's. */
  probes: CapacityProbe[];
}

/** In-flight bound at the edge: on, off, or absent (an Nginx configuration without one). */
export type Shedding = 'on' | 'off' | 'absent';

/**
 * One second of an overload run. Output rates (goodput, refused) count answers by the second
 * they arrived in; everything else counts requests by the second they left in.
 */
export interface OverloadSecond {
  second: number;
  sent: number;
  /** 2xx answers that arrived in this second. */
  goodput: number;
  /** Refusals (503/429 with Retry-After) that arrived in this second. */
  refused: number;
  /** Of every answer to the requests sent in this second. */
  p99Ms: number;
  /** Of the 2xx among them; null without one. */
  okP99Ms: number | null;
  /** Of the refusals among them; null without one. */
  refusedP99Ms: number | null;
  timeouts: number;
  connectionErrors: number;
  /** Any other answer (a 5xx without Retry-After, a 4xx), and the generator's own failures. */
  otherErrors: number;
  /** The slowest /live probe sent in this second (a failed one counts as its 5 s timeout); null without one. */
  liveMaxMs: number | null;
}

export interface SpikeFigures {
  /** The spike's rate as a multiple of the capacity (2, 4). */
  multiple: number;
  capacity: number;
  /** The rate before and after the spike (70 % of the capacity). */
  baseRate: number;
  /** The rate during the spike. */
  spikeRate: number;
  /** When the schedule's spike starts and ends, seconds into the run. */
  spikeFrom: number;
  spikeTo: number;
  /** The lowest and the mean goodput over the spike's whole seconds, req/s. */
  goodputMin: number;
  goodputMean: number;
  /** Of the requests sent during the spike. */
  okP99Ms: number | null;
  refusedP99Ms: number | null;
  spikeKinds: Record<AnswerKind, number>;
  /** The whole run's answers. */
  kinds: Record<AnswerKind, number>;
  /** Seconds from the end of the spike until every later second's p99 is ≤ 50 ms; null: not within the run. */
  recoveredAfterSeconds: number | null;
  /**
   * The seconds `recoveredAfterSeconds` is read from: the p99 of the first (the one the spike ends
   * in), and each later one that kept it from counting (p99 over 50 ms, or no request sent).
   */
  afterSpike: { firstP99Ms: number | null; slowSeconds: { second: number; sent: number; p99Ms: number }[] };
  /** /live, every 100 ms through Nginx for the whole run, each on a new connection. */
  live: { count: number; failed: number; p99Ms: number; maxMs: number; over100Ms: number };
  /** Processes PM2 restarted during the run. */
  restarts: number;
  /** Whether the box answered /live within 50 ms again before the run (stall-run.mts: settled). */
  settledBefore: boolean;
  perSecond: OverloadSecond[];
}

export interface StallFigures {
  rate: number;
  stallMs: number;
  p99Ms: number;
  kinds: Record<AnswerKind, number>;
  settledBefore: boolean;
  /** Seconds from the end of the stall until every later second's p99 is ≤ 100 ms; null: not within the run. */
  recoveredAfterSeconds: number | null;
}

export interface OverloadRun {
  shedding: Shedding;
  /** 2× the capacity, then 4×. */
  spikes: SpikeFigures[];
  stall: StallFigures;
}

/** Everything measured under one pinning. */
export interface OverloadFigures {
  mode: PinMode;
  /** What the pinning was (pinning.mts: describe). */
  pinning: string;
  /**
   * The stack (Nginx → PM2 ×2, cached signed-in read) with `stackShedding`, the bare node:http
   * cluster ×2 straight from the generator, and the same bare cluster behind the same Nginx (its
   * configuration and `stackShedding`).
   */
  capacity: { stack: Capacity; bare: Capacity; bareBehindEdge: Capacity; stackShedding: Shedding };
  /** stack ÷ bare. */
  ratio: number;
  /** The stack at 70 % of its capacity. */
  atSeventy: RunFigures;
  runs: OverloadRun[];
}
