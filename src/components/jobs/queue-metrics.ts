import type { Job } from 'bull';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueWatchdog } from '../../infra/queue/queue-watchdog';
import { withTimeout } from '../../infra/with-timeout';
import type { JobQueues } from './job-queues';

const states = ['waiting', 'active', 'delayed', 'failed'] as const;
/** Collection must not hold a publish or scrape while Redis is away (worker clients queue commands). */
const countsTimeoutMs = 500;

/**
 * Queue depths, read from Redis when the registry is collected, and how long each job took
 * and how it ended, from this worker's own job events. Registered by workers only: the
 * depths are the same for everyone, and the view shows each worker's reading beside the others.
 */
export function registerQueueMetrics(registry: Registry, queues: JobQueues, watchdog: QueueWatchdog): void {
  const all = [queues.uploads.queue, queues.lessons.queue];
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in a queue by state (waiting, active, delayed, failed).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await Promise.all(all.map((queue) => withTimeout(queue.getJobCounts(), countsTimeoutMs, 'queue counts').catch(() => null)));
      this.reset();
      all.forEach((queue, index) => {
        const count = counts[index];
        if (count) for (const state of states) this.set({ queue: queue.name, state }, count[state]);
      });
    },
  });
  new Counter({
    name: 'queue_watchdog_restarts_total',
    help: "Times this worker's queue watchdog replaced a blocking connection that took no jobs while jobs waited (after a Redis failover).",
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [queue, count] of Object.entries(watchdog.restarts())) this.inc({ queue }, count);
    },
  });
  const duration = new Histogram({
    name: 'queue_job_duration_seconds',
    help: 'Time a job ran in this worker, by queue and outcome (completed, failed).',
    labelNames: ['queue', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const seconds = (job: Job): number => ((job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp)) / 1000;
  for (const queue of all) {
    queue.on('completed', (job: Job) => duration.observe({ queue: queue.name, outcome: 'completed' }, seconds(job)));
    queue.on('failed', (job: Job) => duration.observe({ queue: queue.name, outcome: 'failed' }, seconds(job)));
  }
}
