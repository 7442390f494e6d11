import type { Redis } from 'ioredis';
import { errorText } from '../error-text';
import type { Logger } from '../logger';
import type { RedisConnections } from './connections';

/** The Redis deployment as last read: who is master, and how many replicas could take over from it. */
export interface Topology {
  mode: 'standalone' | 'sentinel';
  /** host:port of the master: as the sentinels name it, or the server this process reaches. */
  master: string | null;
  /** Replicas connected to the master and in sync, as the master says (INFO); null when it could not be asked. */
  connectedReplicas: number | null;
  /**
   * Sentinel: the replicas it could promote (link up when last seen, not judged down), the promoted
   * one included until a failover ends. Standalone: the connected ones.
   */
  healthyReplicas: number;
  /** Sentinel: every replica it knows for the master, down ones too (until SENTINEL RESET). Standalone: the connected ones. */
  knownReplicas: number;
  /** Sentinels monitoring the master group, as the answering sentinel counts them. */
  sentinels: number | null;
  /** The master's flags as the answering sentinel has them (`master`, `s_down`, `failover_in_progress` …). */
  flags: string | null;
  readAt: number;
}

export interface TopologyWatch {
  /** The last reading, or null before the first one succeeded. */
  current(): Topology | null;
  /** Reads now (or joins the read under way), then answers like `current`. */
  refresh(): Promise<Topology | null>;
  stop(): void;
}

type Fields = Record<string, string>;

/** A sentinel's reply about one instance: a flat list of names and values. */
function fieldsOf(reply: unknown): Fields {
  const fields: Fields = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}

/**
 * Down as Sentinel judges it. Not `disconnected`, which only says that the sentinel's own link to
 * the replica is down: promoting a replica (a MULTI with SLAVEOF NO ONE and CLIENT KILL TYPE
 * normal) kills every sentinel's link to it, so for ~100 ms the replica just promoted is
 * `disconnected` on every sentinel, and so is the other replica when it is moved to the new
 * master. Left out then, the promoted one made the count 1 while the old master still took writes
 * with the other replica in sync: WAIT 1 on the old master was met by a replica that then
 * resynced from the new master, and the acknowledged job was gone (the failover test's lost job).
 * A replica that really died counts until the sentinels judge it down (down-after-milliseconds):
 * enqueues get 503 meanwhile, not a promise a failover could break.
 */
const downFlags = /(^|,)(s_down|o_down)(,|$)/;

/**
 * A replica Sentinel could promote, or has just promoted, that followed the master when last
 * seen. A replica it has promoted keeps its last values (flags `slave,promoted`, link `ok`) until
 * the failover ends, so it still counts: waiting for it is what makes an acknowledgement survive
 * a SENTINEL FAILOVER.
 */
const healthy = (replica: Fields): boolean => !downFlags.test(replica.flags ?? '') && replica['master-link-status'] === 'ok';

/** What a sentinel's replies to SENTINEL MASTER and SENTINEL REPLICAS say about the master group. */
export function sentinelTopology(master: unknown, replicas: unknown): Omit<Topology, 'readAt' | 'connectedReplicas'> {
  const fields = fieldsOf(master);
  const all = Array.isArray(replicas) ? replicas.map(fieldsOf) : [];
  return {
    mode: 'sentinel',
    master: fields.ip && fields.port ? `${fields.ip}:${fields.port}` : null,
    healthyReplicas: all.filter(healthy).length,
    knownReplicas: all.length,
    sentinels: fields['num-other-sentinels'] === undefined ? null : Number(fields['num-other-sentinels']) + 1,
    flags: fields.flags ?? null,
  };
}

async function sentinelReading(client: Redis, name: string): Promise<Omit<Topology, 'readAt' | 'connectedReplicas'>> {
  const [master, replicas] = await Promise.all([client.call('SENTINEL', 'MASTER', name), client.call('SENTINEL', 'REPLICAS', name)]);
  return sentinelTopology(master, replicas);
}

/** The master's own INFO replication: its replicas connected, and those of them in sync (online). */
async function masterReplicas(shared: Redis): Promise<{ online: number; connected: number }> {
  const info = await shared.info('replication');
  return { online: [...info.matchAll(/^slave\d+:.*\bstate=online\b/gm)].length, connected: Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0) };
}

async function standaloneReading(shared: Redis, master: string | null): Promise<Omit<Topology, 'readAt'>> {
  const { online, connected } = await masterReplicas(shared);
  return { mode: 'standalone', master, connectedReplicas: online, healthyReplicas: online, knownReplicas: connected, sentinels: null, flags: null };
}

/**
 * Reads the topology every `intervalMs`: from a sentinel (the first that answers, in turn) in
 * Sentinel mode, from the master's INFO otherwise. The acknowledgement of queued jobs and /health
 * and the metrics use the last reading; a failed read keeps the one before.
 */
export function watchTopology(connections: RedisConnections, shared: Redis, logger: Logger, intervalMs = 1000): TopologyWatch {
  const { server } = connections;
  const log = logger.child({ component: 'redis-topology' });
  let last: Topology | null = null;
  let reading: Promise<Topology | null> | null = null;
  let sentinel: Redis | null = null;
  let next = 0;
  let failing = false;

  async function readFromSentinels(name: string, count: number): Promise<Omit<Topology, 'readAt' | 'connectedReplicas'>> {
    let lastError: unknown = null;
    for (let tried = 0; tried < count; tried++) {
      try {
        if (sentinel === null && server.mode === 'sentinel') {
          sentinel = connections.openSentinel(server.sentinels[next % count]!);
          sentinel.on('error', () => undefined);
          await sentinel.connect();
        }
        return await sentinelReading(sentinel!, name);
      } catch (error) {
        lastError = error;
        sentinel?.disconnect();
        sentinel = null;
        next++;
      }
    }
    throw lastError instanceof Error ? lastError : new Error('no sentinel answered');
  }

  async function readOnce(): Promise<void> {
    try {
      const snapshot =
        server.mode === 'sentinel'
          ? {
              ...(await readFromSentinels(server.name, server.sentinels.length)),
              // Right after a failover the sentinels have not yet seen the replicas follow the new
              // master (they ask every 10 s); the master itself knows at once.
              connectedReplicas:
                shared.status === 'ready'
                  ? await masterReplicas(shared).then(
                      ({ online }) => online,
                      () => null,
                    )
                  : null,
            }
          : await standaloneReading(shared, connections.stats().master);
      last = { ...snapshot, readAt: Date.now() };
      if (failing) log.info('redis topology readable again');
      failing = false;
    } catch (error) {
      if (!failing) log.warn({ err: errorText(error) }, 'cannot read the redis topology; keeping the last reading');
      failing = true;
    }
  }

  function read(): Promise<Topology | null> {
    reading ??= readOnce().then(() => {
      reading = null;
      return last;
    });
    return reading;
  }

  void read();
  const timer = setInterval(() => void read(), intervalMs);
  timer.unref();
  return {
    current: () => last,
    refresh: read,
    stop() {
      clearInterval(timer);
      sentinel?.disconnect();
      sentinel = null;
    },
  };
}
