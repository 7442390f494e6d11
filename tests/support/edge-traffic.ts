import { uniqueEmail, type TestSession } from './learners';
import type { TrafficClient } from './paced-traffic';

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
