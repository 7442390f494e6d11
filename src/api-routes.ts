import { Router } from 'express';
import type { AppDependencies } from './app';
import { accountModel } from './components/accounts/account.model';
import { accountsRouter } from './components/accounts/accounts.routes';
import { createAccountsService } from './components/accounts/accounts.service';
import { createPasswordHasher } from './components/accounts/password';
import { refreshTokenModel } from './components/accounts/refresh-token.model';
import { createAccessTokens } from './components/accounts/tokens';
import { profilesRouter } from './components/profiles/profiles.routes';
import { createProfilesService } from './components/profiles/profiles.service';
import { searchRouter } from './components/search/search.routes';
import { createSearchService } from './components/search/search.service';
import { statsRouter } from './components/stats/stats.routes';
import { createStatsService } from './components/stats/stats.service';

/** Composes the components into the `/api` router. */
export function apiRoutes(deps: AppDependencies): Router {
  const { config, database, storage, logger } = deps;
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
  const profilesService = createProfilesService({ accounts, storage, logger, staleReadPreference });
  const searchService = createSearchService({ accounts, storage, capabilities: () => database.capabilities(), staleReadPreference });
  const statsService = createStatsService({ accounts, connection, staleReadPreference });

  const router = Router();
  router.use('/auth', accountsRouter(accountsService, accessTokens));
  router.use('/profiles', profilesRouter(profilesService, accessTokens, config.uploads.avatarMaxBytes));
  router.use('/search', searchRouter(searchService));
  router.use('/stats', statsRouter(statsService));
  return router;
}
