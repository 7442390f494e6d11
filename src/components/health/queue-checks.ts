import type { Config } from '../../infra/config/config';
import type { RedisHandle } from '../../infra/redis/redis';
import { liveWorkers, type WorkerHeartbeat } from '../../infra/queue/worker-heartbeats';
import { errorText } from '../../infra/error-text';
import { withTimeout } from '../../infra/with-timeout';
import type { JobQueues } from '../jobs';
import type { HealthCheck } from './health-check';

export interface QueueCheckDependencies {
  config: Pick<Config, 'queues' | 'redis'>;
  redis: RedisHandle | null;
  queues: JobQueues | null;
}

/** Workers write a heartbeat every few seconds; one missing for this long has gone. */
export const workerStaleMs = 15_000;

async function depthChecks(deps: QueueCheckDependencies, queues: JobQueues, time: string, timeoutMs: number): Promise<HealthCheck[]> {
  return Promise.all(
    [queues.uploads, queues.lessons].map(async ({ queue }): Promise<HealthCheck> => {
      try {
        const counts = await withTimeout(queue.getJobCounts(), timeoutMs, 'queue counts');
        return {
          componentId: queue.name,
          componentType: 'component',
          time,
          status: counts.waiting > deps.config.queues.depthWarn ? 'warn' : 'pass',
          observedValue: counts.waiting,
          observedUnit: 'jobs waiting',
          ...counts,
        };
      } catch (error) {
        return { componentId: queue.name, componentType: 'component', time, status: 'warn', output: `unavailable: ${errorText(error)}` };
      }
    }),
  );
}

function workerChecks(workers: WorkerHeartbeat[], time: string): Record<string, HealthCheck[]> {
  const alive: HealthCheck = {
    componentType: 'component',
    time,
    status: workers.length > 0 ? 'pass' : 'warn',
    observedValue: workers.length,
    observedUnit: 'live workers',
    ...(workers.length === 0 ? { output: 'no worker is running: jobs wait until one starts' } : {}),
    workers: workers.map(({ workerId, activeJobs, processed, failed, concurrency, seenAt }) => ({
      workerId,
      activeJobs,
      processed,
      failed,
      concurrency,
      seenAt: new Date(seenAt).toISOString(),
    })),
  };
  const circuits = workers.map(({ workerId, generator }): HealthCheck => ({
    componentId: workerId,
    componentType: 'component',
    time,
    status: generator.circuit === 'open' || generator.circuit === 'halfOpen' ? 'warn' : 'pass',
    observedValue: generator.circuit,
    generator: generator.name,
    fallbacks: generator.fallbacks,
    failures: generator.failures,
  }));
  return workers.length === 0 ? { 'workers:alive': [alive] } : { 'workers:alive': [alive], 'lessonGenerator:circuit': circuits };
}

/** Queue depth per queue, live workers, and each worker's lesson-provider circuit; each Redis read bounded by `timeoutMs`. */
export async function queueChecks(deps: QueueCheckDependencies, time: string, timeoutMs: number): Promise<Record<string, HealthCheck[]>> {
  const { queues, redis } = deps;
  if (queues === null || redis === null) {
    return { 'queues:depth': [{ componentType: 'component', time, status: 'warn', output: 'no Redis configured: documents and lessons cannot be queued' }] };
  }
  const [depth, workers] = await Promise.all([
    depthChecks(deps, queues, time, timeoutMs),
    withTimeout(liveWorkers(redis.client, deps.config.redis.keyPrefix, workerStaleMs), timeoutMs, 'worker heartbeats').catch(() => null),
  ]);
  if (workers === null)
    return { 'queues:depth': depth, 'workers:alive': [{ componentType: 'component', time, status: 'warn', output: 'unknown: Redis unreachable' }] };
  return { 'queues:depth': depth, ...workerChecks(workers, time) };
}
