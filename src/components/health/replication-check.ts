import type { Acknowledgement } from '../../infra/queue/acknowledgement';
import type { RedisHandle } from '../../infra/redis/redis';
import { withTimeout } from '../../infra/with-timeout';
import type { HealthCheck } from './health-check';

/**
 * `redis:replication`: the master (as the sentinels name it, and the one this process talks
 * to), its replicas in sync out of those known, and how many a queued job waits for. "warn" when
 * a known replica is missing or too few follow the master to acknowledge jobs.
 */
export async function replicationCheck(redis: RedisHandle, acknowledgement: Acknowledgement | null, time: string, timeoutMs: number): Promise<HealthCheck> {
  // Right after start-up the first reading may still be under way.
  const topology = redis.topology.current() ?? (await withTimeout(redis.topology.refresh(), timeoutMs, 'redis topology').catch(() => null));
  const { master: connectedTo, failovers, revived } = redis.connections.stats();
  if (topology === null) {
    return {
      componentType: 'datastore',
      time,
      status: 'warn',
      output: 'topology unknown: neither the sentinels nor the master answered',
      connectedTo,
      failovers,
    };
  }
  const waitFor = acknowledgement?.replicas();
  const inSync = topology.connectedReplicas ?? topology.healthyReplicas;
  const missing = topology.knownReplicas - Math.min(inSync, topology.healthyReplicas);
  const problems = [
    ...(missing > 0 ? [`${missing} of ${topology.knownReplicas} known replicas not in sync`] : []),
    ...(waitFor === null ? ['too few replicas follow the master: jobs are refused (503)'] : []),
  ];
  return {
    componentType: 'datastore',
    time,
    status: problems.length > 0 ? 'warn' : 'pass',
    observedValue: inSync,
    observedUnit: 'replicas in sync with the master',
    ...(problems.length > 0 ? { output: problems.join('; ') } : {}),
    mode: topology.mode,
    master: topology.master,
    connectedTo,
    healthyReplicas: topology.healthyReplicas,
    knownReplicas: topology.knownReplicas,
    sentinels: topology.sentinels,
    masterFlags: topology.flags,
    jobsWaitForReplicas: waitFor ?? null,
    failovers,
    revivedClients: revived,
    readAt: new Date(topology.readAt).toISOString(),
  };
}
