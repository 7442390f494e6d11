import { randomBytes } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';

export interface TestSession {
  accessToken: string;
  refreshToken: string;
  account: { id: string; email: string; tier: string; displayName: string };
}

export function uniqueEmail(prefix = 'learner'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.com`;
}

/** Registers a learner through the API and returns the session it got. */
export async function registerLearner(
  request: TestAgent,
  fields: { email?: string; password?: string; displayName?: string } = {},
): Promise<TestSession & { password: string }> {
  const password = fields.password ?? 'correct horse battery';
  const response = await request
    .post('/api/auth/register')
    .send({ email: fields.email ?? uniqueEmail(), password, displayName: fields.displayName ?? 'Test Learner' })
    .expect(201);
  return { ...(response.body as TestSession), password };
}

export const bearer = (session: { accessToken: string }): [string, string] => ['Authorization', `Bearer ${session.accessToken}`];
