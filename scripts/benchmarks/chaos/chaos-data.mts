import type { Sample } from './traffic.mts';

/** What one `./scripts/bench chaos` run measured: the input of render-chaos.mts. */
export interface ChaosFigure {
  name: string;
  value: string;
}

/** One scenario: the fault made and the figures measured under the mix. */
export interface ChaosRow {
  id: string;
  scenario: string;
  fault: string;
  figures: ChaosFigure[];
}

/** One second of a scenario's mix traffic, counted from the fault (negative: before it). */
export interface SecondPoint {
  second: number;
  sent: number;
  /** 5xx answers and requests with no answer. */
  failed: number;
  maxMs: number;
}

export interface ChaosData {
  date: string;
  commit: string;
  machine: string;
  versions: Record<string, string>;
  durationSeconds: number;
  settings: Record<string, number | string>;
  rows: ChaosRow[];
  /** Per scenario id, second by second. */
  timelines: Record<string, SecondPoint[]>;
  /** Per scenario id, the mix's answers by status over the whole scenario. */
  statuses: Record<string, Record<string, number>>;
  /** Per scenario id, the 5xx and unanswered requests by status, method and path (status 0: no answer). */
  failing: Record<string, Record<string, number>>;
  notes: string[];
}

/**
 * A scenario's phase times, and its row: figures of the mix are taken once the mix has stopped,
 * so that requests still in flight when the scenario ended count too.
 */
export interface Outcome {
  /** The fault's start: second 0 of the timeline. */
  origin: number;
  start: number;
  end: number;
  row(mix: Sample[]): ChaosRow;
}
