import { setTimeout as delay } from 'node:timers/promises';
import { uniqueEmail, type TestSession } from './learners';
import { startPacedTraffic, type TrafficClient, type TrafficResult } from './paced-traffic';

/** Registers a learner over plain HTTP (through Nginx or straight at a process). */
export async function registerOver(baseUrl: string, displayName = 'Edge Learner'): Promise<TestSession> {
  const response = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail('edge'), password: 'correct horse battery', displayName }),
  });
  if (response.status !== 201) throw new Error(`register answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as TestSession;
}

/**
 * Six clients on six loopback addresses, half on pooled keep-alive connections and half on a
 * new connection per request, each cycling through a cached read (GET), a profile edit
 * (PATCH) and a logout (POST, repeatable with the same token): reads and writes alike.
 */
export function mixedClients(sessions: TestSession[]): TrafficClient[] {
  return sessions.map((session, index) => ({
    localAddress: `127.0.0.${index + 2}`,
    keepAlive: index % 2 === 0,
    requests: [
      { method: 'GET', path: `/api/profiles/${session.account.id}` },
      {
        method: 'PATCH',
        path: '/api/profiles/me',
        headers: { authorization: `Bearer ${session.accessToken}` },
        body: { bio: `Edit from client ${index}` },
      },
      { method: 'POST', path: '/api/auth/logout', body: { refreshToken: session.refreshToken } },
    ],
  }));
}

/** One line for the record: requests, failures by method, the longest wait. */
export function trafficSummary(result: TrafficResult): string {
  const methods = Object.entries(result.byMethod)
    .map(([method, counts]) => `${method} ${counts.failed}/${counts.sent}`)
    .join(', ');
  return `${result.sent} requests, ${result.failures.length} failed (${methods}), longest ${Math.round(result.longestMs)} ms`;
}

/**
 * mixedClients' traffic at `port` (one request each 40 ms apart, never retried) from 2 s before
 * `action` until 3 s after it, summed up through `record` with the first failures and the requests
 * slower than `slowMs` (default 5 s).
 */
export async function underMixedTraffic(
  port: number,
  sessions: TestSession[],
  what: string,
  action: () => Promise<void>,
  record: (line: string) => void,
  slowMs?: number,
): Promise<TrafficResult> {
  const traffic = startPacedTraffic(port, mixedClients(sessions), { pauseMs: 40, maxMs: 600_000, ...(slowMs === undefined ? {} : { slowMs }) });
  await delay(2000);
  await action();
  await delay(3000);
  const result = await traffic.stop();
  record(`${what}: ${trafficSummary(result)}`);
  for (const line of [...result.failures, ...result.slow].slice(0, 10)) record(`  ${line}`);
  return result;
}
