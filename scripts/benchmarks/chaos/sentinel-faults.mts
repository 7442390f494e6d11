/**
 * The three Redis Sentinel faults of issue 27, made on a deployment of
 * tests/support/redis-sentinel.ts, and the rate-limit probe that tells when a client's budget
 * is shared by the API processes again. Shared by the end-to-end test
 * (tests/e2e/redis-failover.test.ts) and `./scripts/bench chaos`.
 */
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { RedisSentinels } from '../../../tests/support/redis-sentinel.ts';

export type SentinelFault = 'kill' | 'stop' | 'failover';

export const sentinelFaults: readonly SentinelFault[] = ['kill', 'stop', 'failover'];

export interface FaultTimes {
  fault: SentinelFault;
  /** When the fault was made. */
  at: number;
  /** When a sentinel first named the new master. */
  newMaster: number;
  /** When every sentinel agreed on it again with both replicas following (the old master among them). */
  whole: number;
  from: string;
  to: string;
}

export interface FaultOptions {
  /** How long a SIGSTOPped master stays frozen. */
  stopMs: number;
  /** How long after the new master a SIGKILLed one is started again (as a supervisor would). */
  restartAfterMs: number;
}

export function describeFault(fault: SentinelFault, options: FaultOptions): string {
  switch (fault) {
    case 'kill':
      return `SIGKILL of the master; started again ${options.restartAfterMs / 1000} s after a new master is named, it rejoins as a replica`;
    case 'stop':
      return `SIGSTOP of the master for ${options.stopMs / 1000} s, then SIGCONT: it rejoins as a replica`;
    case 'failover':
      return 'SENTINEL FAILOVER: the running master hands over to a replica';
  }
}

/** Makes `fault` once the deployment is settled, and returns when the master changed and when all was whole again. */
export async function makeFault(deployment: RedisSentinels, fault: SentinelFault, options: FaultOptions): Promise<FaultTimes> {
  const old = await deployment.settled();
  const at = Date.now();
  if (fault === 'kill') await old.kill();
  else if (fault === 'stop') old.signal('SIGSTOP');
  else await deployment.requestFailover();
  const fresh = await deployment.masterChanged(old);
  const newMaster = Date.now();
  if (fault === 'kill') {
    await delay(options.restartAfterMs);
    await old.start();
  }
  if (fault === 'stop') {
    await delay(Math.max(0, at + options.stopMs - Date.now()));
    old.signal('SIGCONT');
  }
  await deployment.settled();
  return { fault, at, newMaster, whole: Date.now(), from: old.address, to: fresh.address };
}

/** One wrong login as a client at `client`, behind one trusted proxy, on a connection of its own; 0: no answer. */
function wrongLogin(port: number, client: string): Promise<number> {
  const body = JSON.stringify({ email: `probe-${Math.random().toString(36).slice(2)}@example.com`, password: 'not the password' });
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/auth/login', method: 'POST', agent: false, timeout: 10_000, headers: { 'content-type': 'application/json', 'x-forwarded-for': client, connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export interface LimitProbe {
  /** When the probe began, and when its last answer came. */
  at: number;
  end: number;
  statuses: number[];
  /** The client's count in Redis after the probe (null: unreadable). */
  counted: number | null;
}

/** Clients probed so far in this process: each probe is a client never seen before. */
let probed = 0;

/**
 * A new client every `everyMs` sends `limit + 1` wrong logins straight to the API cluster, each
 * on a new connection, so the cluster hands them to its processes in turn. Its budget is enforced
 * across processes when the last is refused (429) and Redis counted every attempt: with counts
 * kept per process (Redis unreachable), no process sees enough of them.
 */
export function startLimitProbes(options: { port: number; limit: number; everyMs: number; counted: (client: string) => Promise<number | null> }): { stop(): Promise<LimitProbe[]> } {
  const probes: LimitProbe[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const began = Date.now();
      const client = `198.51.${Math.floor(probed / 250) % 250}.${(probed % 250) + 1}`;
      probed++;
      const statuses: number[] = [];
      for (let attempt = 0; attempt <= options.limit; attempt++) statuses.push(await wrongLogin(options.port, client));
      const end = Date.now();
      probes.push({ at: began, end, statuses, counted: await options.counted(client).catch(() => null) });
      await delay(Math.max(0, began + options.everyMs - Date.now()));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return probes;
    },
  };
}

/**
 * The budget was enforced across processes: every attempt but the last refused for the password,
 * the last for the limit, and Redis counted each wrong password (a refusal is not one).
 */
export function enforced(probe: LimitProbe, limit: number): boolean {
  return probe.statuses.length === limit + 1 && probe.statuses.slice(0, limit).every((status) => status === 401) && probe.statuses[limit] === 429 && probe.counted === limit;
}

/** The settings that make a probe's client address run out after `limit` wrong sign-ins, whatever the e-mails. */
export const limitProbeSettings = (limit: number): Record<string, string> => ({ RATE_LIMIT_AUTH_ADDRESS_MAX: String(limit) });

/** How many wrong sign-ins Redis counted against a client address (src/infra/rate-limit/sign-in-budgets.ts). */
export async function countedWrongSignIns(read: (...args: string[]) => Promise<unknown>, keyPrefix: string, client: string): Promise<number | null> {
  const value = await read('HGET', `${keyPrefix}rl:sign-in:address:${client}`, 'f');
  return value === null ? null : Number(value);
}
