/** What one `./scripts/bench report` run measured: the input of render-report.mts. */
export interface ReportRow {
  id: string;
  /** What the row compares, e.g. "Express hello ÷ node:http hello". */
  compares: string;
  /** The figure, e.g. "0.62×" or "−3.1 % rps, +0.4 ms p95". */
  value: string;
  /** The measurements behind it. */
  detail: string;
}

export interface ThroughputBar {
  label: string;
  requestsPerSecond: number;
  p95Ms: number;
}

/** One second of the open-model spike run: the target rate and the latency percentiles. */
export interface SpikePoint {
  second: number;
  targetRate: number;
  sent: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** One step of the mix's rate search. */
export interface MixStep {
  rate: number;
  achieved: number;
  p95Ms: number;
  failed: number;
}

/** The PM2 cluster's own figures from /metrics/summary, over one of its windows. */
export interface ServerSide {
  /** What the figures cover, e.g. "the last minute, ending at the end of the mix". */
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
  rows: ReportRow[];
  throughput: ThroughputBar[];
  spike: SpikePoint[];
  mix: MixStep[];
  /** What the servers measured themselves (/metrics/summary); absent when it did not answer. */
  server?: ServerSide;
  notes: string[];
}
