import type { Config } from '../config/config';
import type { Logger } from '../logger';
import { createClusterMetrics, type ClusterMetrics } from './cluster-metrics';
import { registerDependencyMetrics, type DependencyMetricsSources } from './dependency-metrics';
import { createProcessRegistry, type ProcessRole } from './process-registry';

/** One process's metrics, API or worker, published to the cluster-wide view. */
export function createProcessMetrics(
  role: ProcessRole,
  instanceId: string,
  deps: DependencyMetricsSources & { config: Config; logger: Logger },
): ClusterMetrics {
  const registry = createProcessRegistry(instanceId, role);
  registerDependencyMetrics(registry, deps);
  const cluster = createClusterMetrics({
    registry,
    redis: deps.redis,
    keyPrefix: deps.config.redis.keyPrefix,
    instanceId,
    role,
    intervalMs: deps.config.metrics.publishIntervalMs,
    logger: deps.logger,
  });
  // Disabled: the registry still answers /metrics for this process, but nothing is published.
  return deps.config.metrics.enabled ? cluster : { ...cluster, start: () => undefined };
}
