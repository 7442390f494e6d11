import { accountModel } from '../../src/components/learners/account.model';
import { registerLearner, type TestSession } from './learners';
import type { TestApp } from './test-app';
import type { Tier } from '../../src/shared/tiers';

/** A learner moved to `tier` (there is no API for it: billing does it), signed in again so the token carries it. */
export async function learnerWithTier(api: TestApp, tier: Tier): Promise<TestSession> {
  const learner = await registerLearner(api.request);
  await accountModel(api.deps.database.connection).updateOne({ _id: learner.account.id }, { $set: { tier } });
  const login = await api.request.post('/api/auth/login').send({ email: learner.account.email, password: learner.password }).expect(200);
  return login.body as TestSession;
}
