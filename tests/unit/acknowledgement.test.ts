import { acknowledgementPolicy } from '../../src/infra/queue/acknowledgement';
import { sentinelTopology, type Topology, type TopologyWatch } from '../../src/infra/redis/topology';

/**
 * How many replicas an enqueue waits for (REDIS_ACK_REPLICAS=auto), on what real sentinels
 * (Redis 7.0) answered to SENTINEL MASTER and SENTINEL REPLICAS while a SENTINEL FAILOVER was
 * under way: master 47580, replicas 47581 and 47582, 47582 being promoted. Fields the reading
 * does not use are left out.
 */

type Reply = string[];

const master = (flags: string): Reply => ['name', 'g', 'ip', '127.0.0.1', 'port', '47580', 'flags', flags, 'num-slaves', '2', 'num-other-sentinels', '2'];
const replica = (port: number, flags: string, link = 'ok'): Reply => [
  'name',
  `127.0.0.1:${port}`,
  'ip',
  '127.0.0.1',
  'port',
  String(port),
  'flags',
  flags,
  'role-reported',
  'slave',
  'master-link-status',
  link,
  'master-host',
  '127.0.0.1',
  'master-port',
  '47580',
];

/** The policy on one reading, with the master's own count of replicas in sync (INFO) as given. */
function waitFor(
  reading: Omit<Topology, 'readAt' | 'connectedReplicas'>,
  connectedReplicas: number | null,
  ackReplicas: 'auto' | number = 'auto',
): number | null {
  const topology: Topology = { ...reading, connectedReplicas, readAt: Date.now() };
  const watch: TopologyWatch = { current: () => topology, refresh: () => Promise.resolve(topology), stop: () => undefined };
  return acknowledgementPolicy({ ackReplicas, ackTimeoutMs: 500 }, watch).replicas();
}

describe('the replicas an acknowledged job waits for during a SENTINEL FAILOVER', () => {
  // The promotion is a MULTI with SLAVEOF NO ONE and CLIENT KILL TYPE normal: the sentinels' own
  // links to the promoted replica are among the clients killed, so for ~100 ms every sentinel flags
  // it `disconnected`. The old master still takes writes, and the replica not promoted still
  // follows it (its INFO counts 1 in sync), until the sentinel moves that one to the new master.
  const leaderDuringPromotion = sentinelTopology(master('master,failover_in_progress,force_failover'), [
    replica(47581, 'slave'),
    replica(47582, 'slave,disconnected,promoted'),
  ]);
  const otherDuringPromotion = sentinelTopology(master('master'), [replica(47582, 'slave,disconnected'), replica(47581, 'slave')]);

  test('the promoted replica, its sentinel link just killed, still counts: WAIT 2 fails on the old master', () => {
    expect(leaderDuringPromotion).toMatchObject({ master: '127.0.0.1:47580', healthyReplicas: 2, knownReplicas: 2, sentinels: 3 });
    expect(waitFor(leaderDuringPromotion, 1)).toBe(2);
  });

  test('so it does on a sentinel that is not leading the failover (no `promoted` flag there)', () => {
    expect(otherDuringPromotion.healthyReplicas).toBe(2);
    expect(waitFor(otherDuringPromotion, 1)).toBe(2);
  });

  test('the replica not promoted, its sentinel link killed when it is moved to the new master, still counts', () => {
    const reconfiguring = sentinelTopology(master('master,failover_in_progress,force_failover'), [
      replica(47581, 'slave,disconnected,reconf_sent'),
      replica(47582, 'slave,promoted'),
    ]);
    expect(waitFor(reconfiguring, 0)).toBeNull();
    expect(reconfiguring.healthyReplicas).toBe(2);
  });
});

describe('replicas the acknowledgement does not wait for', () => {
  test('a replica the sentinels judged down (s_down, o_down) or that does not follow the master (link down)', () => {
    const reading = sentinelTopology(master('master'), [
      replica(47581, 'slave,s_down,disconnected'),
      replica(47582, 'slave,o_down'),
      replica(47583, 'slave', 'err'),
      replica(47584, 'slave'),
    ]);
    expect(reading).toMatchObject({ healthyReplicas: 1, knownReplicas: 4 });
    expect(waitFor(reading, 1)).toBe(1);
  });

  test('no replica in sync with the master: refused at once, whatever the sentinels say', () => {
    const reading = sentinelTopology(master('master'), [replica(47581, 'slave'), replica(47582, 'slave')]);
    expect(waitFor(reading, 0)).toBeNull();
    expect(waitFor(reading, 0, 1)).toBeNull();
  });

  test('a number waits for that many, refused while fewer follow the master; 0 waits for none', () => {
    const reading = sentinelTopology(master('master'), [replica(47581, 'slave'), replica(47582, 'slave')]);
    expect(waitFor(reading, 2, 1)).toBe(1);
    expect(waitFor(reading, 1, 2)).toBeNull();
    expect(waitFor(reading, 0, 0)).toBe(0);
  });

  test('replies that are not lists read as no master and no replicas', () => {
    expect(sentinelTopology(null, 'ERR')).toMatchObject({ master: null, healthyReplicas: 0, knownReplicas: 0, sentinels: null, flags: null });
  });
});
