import { Router, type RequestHandler } from 'express';
import type { SignInBudgets } from '../../infra/rate-limit/sign-in-budgets';
import { parseInput } from '../../infra/http/validate';
import type { AccountsService } from './accounts.service';
import { loginBody, refreshBody, registerBody } from './accounts.validation';
import { authOf, authenticate } from './authenticate';
import type { AccessTokens } from './tokens';

export interface AccountsRouteLimits {
  /** Failed sign-ins only (a bad request or a success costs nothing). */
  signIn: SignInBudgets;
  register: RequestHandler;
  general: RequestHandler;
}

export function accountsRouter(accounts: AccountsService, accessTokens: AccessTokens, limits: AccountsRouteLimits): Router {
  const router = Router();

  router.post('/register', limits.register, async (req, res) => {
    res.status(201).json(await accounts.register(parseInput(registerBody, req.body, 'body')));
  });

  router.post('/login', async (req, res) => {
    const credentials = parseInput(loginBody, req.body, 'body');
    res.json(await limits.signIn.attempt(req, res, credentials.email, () => accounts.login(credentials)));
  });

  router.post('/refresh', limits.general, async (req, res) => {
    res.json(await accounts.refresh(parseInput(refreshBody, req.body, 'body').refreshToken));
  });

  router.post('/logout', limits.general, async (req, res) => {
    await accounts.logout(parseInput(refreshBody, req.body, 'body').refreshToken);
    res.status(204).end();
  });

  router.get('/me', limits.general, authenticate(accessTokens), async (req, res) => {
    res.json(await accounts.me(authOf(req).accountId));
  });

  return router;
}
