import type { RedisConfig } from '../config/redis-config';
import type { TopologyWatch } from '../redis/topology';

/** How many replicas must hold a queued job before its enqueue is acknowledged (Redis WAIT). */
export interface Acknowledgement {
  /** Replicas to wait for now: 0 for none, null when too few follow the master (refuse at once). */
  replicas(): number | null;
  timeoutMs: number;
}

/**
 * REDIS_ACK_REPLICAS. `auto` (Sentinel): every replica the sentinels count as healthy, at
 * least one. Any healthy replica may be the one promoted, so a job acknowledged by all of them
 * survives whichever is chosen, also in a SENTINEL FAILOVER, where the old master keeps taking
 * writes (and the replica not promoted keeps acknowledging them) after the new one is chosen.
 * A number: that many, refused at once while fewer are connected.
 */
export function acknowledgementPolicy(config: Pick<RedisConfig, 'ackReplicas' | 'ackTimeoutMs'>, topology: TopologyWatch): Acknowledgement {
  const { ackReplicas } = config;
  return {
    timeoutMs: config.ackTimeoutMs,
    replicas() {
      if (ackReplicas === 0) return 0;
      const now = topology.current();
      if (ackReplicas === 'auto') {
        if (now === null) return 1;
        return now.healthyReplicas === 0 ? null : now.healthyReplicas;
      }
      return now !== null && now.healthyReplicas < ackReplicas ? null : ackReplicas;
    },
  };
}
