/** What one `./scripts/bench report` run measured: the input of render-report.mts. */
import type { OverloadFigures } from '../overload/overload-data.mts';
import type { PinMode } from '../pinning.mts';

export interface ReportRow {
  id: string;
  /** Under which pinning it was measured (ReportData.pinning says what that meant). */
  pinning: PinMode;
  /** What the row compares, e.g. "Express hello ÷ node:http hello". */
  compares: string;
  /** The figure, e.g. "0.62×" or "−3.1 % rps, +0.4 ms p95". */
  value: string;
  /** The measurements behind it. */
  detail: string;
}

export interface ThroughputBar {
  label: string;
  pinning: PinMode;
  requestsPerSecond: number;
  p95Ms: number;
}

/** One run of the mix's rate search (report/mix-search.mts). */
export interface MixStep {
  pinning: PinMode;
  rate: number;
  seconds: number;
  /** The full-length run that confirms the rate the short runs found. */
  confirming: boolean;
  achieved: number;
  p95Ms: number;
  fiveXx: number;
  /** Answers other than a 2xx (5xx included). */
  failed: number;
  held: boolean;
}

/** The PM2 cluster's own figures from /metrics/summary, over one of its windows. */
export interface ServerSide {
  pinning: PinMode;
  /** What the figures cover, e.g. "the last minute of the mix at its sustainable rate (560/s)". */
  window: string;
  /** The busiest routes (route templates), p95 from the servers' histograms. */
  routes: { route: string; requests: number; requestsPerSecond: number; p95Ms: number | null; errorRate: number }[];
  cache: { kind: string; hits: number; misses: number; hitRate: number | null }[];
  /** The highest event-loop p99 delay of any process in the window. */
  eventLoopLagP99Ms: number;
}

export interface ReportData {
  date: string;
  commit: string;
  machine: string;
  versions: Record<string, string>;
  durationSeconds: number;
  generator: string;
  /** What each pinning measured meant on this box (pinning.mts: describe), by mode. */
  pinning: Partial<Record<PinMode, string>>;
  rows: ReportRow[];
  throughput: ThroughputBar[];
  /** Capacity, P7's figures, the spikes and the stall, per pinning. */
  overload: OverloadFigures[];
  mix: MixStep[];
  /** What the servers measured themselves (/metrics/summary), per pinning; none where it did not answer. */
  servers: ServerSide[];
  notes: string[];
}
