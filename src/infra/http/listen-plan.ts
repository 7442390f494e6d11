import { readFileSync } from 'node:fs';
import type { ListenOptions } from 'node:net';
import type { Config } from '../config/config';

export interface ListenPlan {
  options: ListenOptions;
  /** `single`: not a cluster worker (node dist/server.js, a container): a plain listening socket. */
  mode: 'single' | 'reuseport' | 'primary';
  /** Why `auto` chose `primary`, or what a forced `reuseport` risks; null when nothing is amiss. */
  warning: string | null;
}

const migrateSysctl = '/proc/sys/net/ipv4/tcp_migrate_req';

/** Whether the kernel migrates queued connections off a closing SO_REUSEPORT socket; null: not known (no such setting). */
export function kernelMigratesQueuedConnections(file = migrateSysctl): boolean | null {
  try {
    return readFileSync(file, 'utf8').trim() === '1';
  } catch {
    return null;
  }
}

/**
 * How an API process listens. In a cluster (PM2 cluster mode), CLUSTER_LISTEN says how the
 * processes take new connections:
 * - `reuseport`: each process listens on its own socket with SO_REUSEPORT and the kernel
 *   spreads new connections over them. The cluster's primary (PM2's daemon) is not on the
 *   path of any connection.
 * - `primary`: Node's cluster default. The primary listens, accepts every connection and hands
 *   it to a process over IPC, one at a time per process, waiting for each one's answer. After a
 *   stall or on a burst of new connections this hand-off sets the pace, and it takes the daemon's CPU.
 * - `auto`: `reuseport` when the kernel moves the connections queued on a closing socket to the
 *   others (net.ipv4.tcp_migrate_req=1); else `primary`, because without it a process that
 *   stops (pm2 reload) resets the connections still queued on its socket.
 */
export function listenPlan(
  http: Pick<Config['http'], 'host' | 'port' | 'listenBacklog' | 'clusterListen'>,
  runtime: { isClusterWorker: boolean; migratesQueuedConnections: boolean | null },
): ListenPlan {
  const base: ListenOptions = { host: http.host, port: http.port, backlog: http.listenBacklog };
  if (!runtime.isClusterWorker) return { options: base, mode: 'single', warning: null };
  const reuseport: ListenOptions = { ...base, exclusive: true, reusePort: true };
  const migrates = runtime.migratesQueuedConnections === true;
  const sysctl = `net.ipv4.tcp_migrate_req is ${runtime.migratesQueuedConnections === null ? 'not available' : '0'}`;
  switch (http.clusterListen) {
    case 'primary':
      return { options: base, mode: 'primary', warning: null };
    case 'reuseport':
      return {
        options: reuseport,
        mode: 'reuseport',
        warning: migrates ? null : `CLUSTER_LISTEN=reuseport while ${sysctl}: a process that stops resets the connections queued on its socket`,
      };
    case 'auto':
      return migrates
        ? { options: reuseport, mode: 'reuseport', warning: null }
        : {
            options: base,
            mode: 'primary',
            warning: `new connections go through the cluster's primary (the PM2 daemon) because ${sysctl}; set it to 1 (README, "Host settings") for per-process sockets`,
          };
  }
}
