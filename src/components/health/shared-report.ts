import type { HealthReport } from './health-report';

/**
 * One health report per `maxAgeMs`, shared by every caller meanwhile: each report pings the
 * database, Redis and the queues, and the probes are never rate limited, so a flood of `/health`
 * from one address made every request pay those round trips and slowed every other route (p95
 * from 3.4 ms to 78 ms). Now a flood costs one report a second. A change of the lifecycle
 * (shutting down) is reported at once, and a failed build is not kept.
 */
export function sharedReport(build: () => Promise<HealthReport>, stopping: () => boolean, maxAgeMs: number): () => Promise<HealthReport> {
  let latest: { startedAt: number; stopping: boolean; report: Promise<HealthReport> } | null = null;
  return () => {
    const now = Date.now();
    if (latest === null || now - latest.startedAt >= maxAgeMs || latest.stopping !== stopping()) {
      const report = build();
      const entry = { startedAt: now, stopping: stopping(), report };
      latest = entry;
      report.catch(() => {
        if (latest === entry) latest = null;
      });
    }
    return latest.report;
  };
}
