import { Router } from 'express';
import type { AppDependencies } from './app';
import { accountModel } from './components/accounts/account.model';
import { accountsRouter } from './components/accounts/accounts.routes';
import { createAccountsService } from './components/accounts/accounts.service';
import { createPasswordHasher } from './components/accounts/password';
import { refreshTokenModel } from './components/accounts/refresh-token.model';
import { identify } from './components/accounts/authenticate';
import { createAccessTokens } from './components/accounts/tokens';
import { profilesRouter } from './components/profiles/profiles.routes';
import { createProfilesService } from './components/profiles/profiles.service';
import { searchRouter } from './components/search/search.routes';
import { createSearchService } from './components/search/search.service';
import { statsRouter } from './components/stats/stats.routes';
import { createStatsService } from './components/stats/stats.service';
import type { RateLimits } from './infra/rate-limit/rate-limits';

/** Composes the components into the `/api` router. */
export function apiRoutes(deps: AppDependencies, limits: RateLimits): Router {
  const { config, database, storage, logger, cache } = deps;
  const { connection, staleReadPreference } = database;
  const accounts = accountModel(connection);
  const accessTokens = createAccessTokens(config.auth.jwtSecret, config.auth.accessTokenTtlSeconds);

  const accountsService = createAccountsService({
    accounts,
    refreshTokens: refreshTokenModel(connection),
    passwords: createPasswordHasher(config.auth.passwordHash),
    accessTokens,
    refreshTokenTtlDays: config.auth.refreshTokenTtlDays,
    pruneExpiredTokens: () => database.capabilities()?.ttlIndexes !== true,
  });
  const profilesService = createProfilesService({ accounts, storage, logger, cache, staleReadPreference });
  const searchService = createSearchService({ accounts, storage, cache, capabilities: () => database.capabilities(), staleReadPreference });
  const statsService = createStatsService({ accounts, connection, cache, staleReadPreference });

  const router = Router();
  // Before the limiters: signed-in requests are counted per account and scaled by tier.
  router.use(identify(accessTokens));
  router.use('/auth', accountsRouter(accountsService, accessTokens, { attempts: limits.authAttempts, general: limits.api }));
  router.use('/profiles', profilesRouter(profilesService, accessTokens, config.uploads.avatarMaxBytes, { general: limits.api, upload: limits.upload }));
  router.use('/search', limits.search, searchRouter(searchService));
  router.use('/stats', limits.api, statsRouter(statsService));
  return router;
}
