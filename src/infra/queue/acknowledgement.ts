import type { RedisConfig } from '../config/redis-config';
import type { TopologyWatch } from '../redis/topology';

/** How many replicas must hold a queued job before its enqueue is acknowledged (Redis WAIT). */
export interface Acknowledgement {
  /** Replicas to wait for now: 0 for none, null when too few follow the master (refuse at once). */
  replicas(): number | null;
  timeoutMs: number;
}

/**
 * REDIS_ACK_REPLICAS. `auto` (Sentinel): every replica that could be promoted (the sentinels'
 * healthy ones) and every replica in sync with the master (the master's own count), at least
 * one. Any healthy replica may be the one promoted, so a job they all hold survives whichever is
 * chosen, also in a SENTINEL FAILOVER, where the old master keeps taking writes (and the replica
 * not promoted keeps acknowledging them) after the new one was chosen: the promoted replica still
 * counts then, and WAIT fails. Refused at once while no replica follows the master.
 * A number: that many, refused at once while fewer follow it.
 */
export function acknowledgementPolicy(config: Pick<RedisConfig, 'ackReplicas' | 'ackTimeoutMs'>, topology: TopologyWatch): Acknowledgement {
  const { ackReplicas } = config;
  return {
    timeoutMs: config.ackTimeoutMs,
    replicas() {
      if (ackReplicas === 0) return 0;
      const now = topology.current();
      if (now?.connectedReplicas === 0) return null;
      if (ackReplicas === 'auto') return Math.max(1, now?.healthyReplicas ?? 0, now?.connectedReplicas ?? 0);
      return now?.connectedReplicas != null && now.connectedReplicas < ackReplicas ? null : ackReplicas;
    },
  };
}
