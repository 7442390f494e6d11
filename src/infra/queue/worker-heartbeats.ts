import type { Redis } from 'ioredis';

export interface WorkerHeartbeat {
  workerId: string;
  pid: number;
  host: string;
  startedAt: string;
  concurrency: Record<string, number>;
  activeJobs: number;
  processed: number;
  failed: number;
  /** The lesson generator's circuit breaker in this worker, when it has one. */
  generator: { name: string; circuit: 'closed' | 'open' | 'halfOpen' | 'none'; fallbacks: number; failures: number };
  seenAt: number;
}

const keyOf = (keyPrefix: string): string => `${keyPrefix}workers`;

/** Every worker writes its state here every few seconds; /health reads the live ones. */
export async function publishHeartbeat(client: Redis, keyPrefix: string, heartbeat: WorkerHeartbeat): Promise<void> {
  await client.hset(keyOf(keyPrefix), heartbeat.workerId, JSON.stringify(heartbeat));
}

export async function removeHeartbeat(client: Redis, keyPrefix: string, workerId: string): Promise<void> {
  await client.hdel(keyOf(keyPrefix), workerId);
}

/** Workers seen within `staleMs`; older entries (a worker that died) are pruned. */
export async function liveWorkers(client: Redis, keyPrefix: string, staleMs: number): Promise<WorkerHeartbeat[]> {
  const entries = await client.hgetall(keyOf(keyPrefix));
  const now = Date.now();
  const live: WorkerHeartbeat[] = [];
  const stale: string[] = [];
  for (const [workerId, json] of Object.entries(entries)) {
    const heartbeat = JSON.parse(json) as WorkerHeartbeat;
    if (now - heartbeat.seenAt <= staleMs) live.push(heartbeat);
    else stale.push(workerId);
  }
  if (stale.length > 0) await client.hdel(keyOf(keyPrefix), ...stale);
  return live;
}

/** Publishes `current()` now and every `intervalMs`; the returned function stops and removes it. */
export function startHeartbeats(client: Redis, keyPrefix: string, current: () => Omit<WorkerHeartbeat, 'seenAt'>, intervalMs = 5000): () => Promise<void> {
  const beat = (): void => {
    void publishHeartbeat(client, keyPrefix, { ...current(), seenAt: Date.now() }).catch(() => undefined);
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await removeHeartbeat(client, keyPrefix, current().workerId).catch(() => undefined);
  };
}
