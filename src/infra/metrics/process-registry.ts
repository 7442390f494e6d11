import { getHeapStatistics } from 'node:v8';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export type ProcessRole = 'api' | 'worker';

/**
 * This process's own registry. Every series carries `instance_id` (and `role`) so that the
 * cluster-wide view can show each process's series side by side instead of summing them.
 * `instance_id`, not `instance`: Prometheus sets `instance` itself, to the scraped address.
 */
export function createProcessRegistry(instanceId: string, role: ProcessRole): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ instance_id: instanceId, role });
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which `promtool check metrics` rejects; each is the sum of the
  // by-type gauge beside it (nodejs_active_handles and so on), so nothing is lost.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  // Node's defaults have no heap limit; the memory alert needs it (the ratio /health uses).
  new Gauge({
    name: 'nodejs_heap_size_limit_bytes',
    help: 'Heap size V8 will grow to before failing with out of memory.',
    registers: [registry],
    collect() {
      this.set(getHeapStatistics().heap_size_limit);
    },
  });
  return registry;
}
