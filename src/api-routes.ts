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
import { indexedLearners } from './components/search/indexed-learners';
import { createSearchIndex } from './components/search/search-index';
import { searchRouter } from './components/search/search.routes';
import { createSearchService } from './components/search/search.service';
import { statsRouter } from './components/stats/stats.routes';
import { createStatsService } from './components/stats/stats.service';
import { documentModel } from './components/documents/document.model';
import { documentsRouter } from './components/documents/documents.routes';
import { createDocumentsService } from './components/documents/documents.service';
import { jobsRouter } from './components/jobs/jobs.routes';
import { createJobsService } from './components/jobs/jobs.service';
import { generatorVersionOf } from './components/lessons/lesson-generator';
import { lessonModel } from './components/lessons/lesson.model';
import { lessonsRouter } from './components/lessons/lessons.routes';
import { createLessonsService } from './components/lessons/lessons.service';
import { attemptModel } from './components/practice/attempt.model';
import { practiceRouter } from './components/practice/practice.routes';
import { createPracticeService } from './components/practice/practice.service';
import type { RateLimits } from './infra/rate-limit/rate-limits';
import { createMutex } from './infra/redis/mutex';
import type { JobEvents } from './infra/queue/job-events';
import type { StreamSlots } from './components/jobs/stream-slots';

/** What the job event streams share with the rest of the app (/health counts them). */
export interface EventStreamState {
  events: JobEvents;
  slots: StreamSlots;
}

/**
 * Reads that tolerate staleness (public profiles, search, statistics): served from the cache
 * while the database hangs or elects a primary. Paths under /api.
 */
export const staleTolerantReads = [/^\/profiles\/[0-9a-f]{24}$/i, /^\/search\/profiles$/, /^\/stats$/];

/** Composes the components into the `/api` router. */
export function apiRoutes(deps: AppDependencies, limits: RateLimits, streams: EventStreamState): Router {
  const { config, database, storage, logger, cache, queues } = deps;
  const { connection, staleReadPreference } = database;
  const accounts = accountModel(connection);
  const accessTokens = createAccessTokens(config.auth.jwtSecret, config.auth.accessTokenTtlSeconds);

  const searchIndex = createSearchIndex({
    redis: deps.redis,
    keyPrefix: config.redis.keyPrefix,
    logger,
    enabled: () => config.search.index === 'auto' && database.capabilities()?.textSearch !== true,
    learners: indexedLearners(accounts),
  });
  const accountsService = createAccountsService({
    accounts,
    searchIndex,
    refreshTokens: refreshTokenModel(connection),
    passwords: createPasswordHasher(config.auth.passwordHash),
    accessTokens,
    refreshTokenTtlDays: config.auth.refreshTokenTtlDays,
    pruneExpiredTokens: () => database.capabilities()?.ttlIndexes !== true,
  });
  const exclusive = createMutex(deps.redis, config.redis.keyPrefix);
  const profilesService = createProfilesService({ accounts, storage, logger, cache, staleReadPreference, searchIndex, exclusive });
  const searchService = createSearchService({
    accounts,
    storage,
    cache,
    capabilities: () => database.capabilities(),
    staleReadPreference,
    profiles: profilesService,
    maxTimeMs: config.search.maxTimeMs,
    maxConcurrent: config.search.maxConcurrent,
    index: searchIndex,
  });
  const statsService = createStatsService({ accounts, connection, cache, staleReadPreference, searchIndex });
  const documents = documentModel(connection);
  const lessons = lessonModel(connection);
  const enqueueTimeoutMs = config.queues.enqueueTimeoutMs;
  const documentsService = createDocumentsService({ documents, lessons, storage, queues, enqueueTimeoutMs, logger });
  const lessonsService = createLessonsService({ lessons, documents, accounts, cache, queues, generatorVersion: generatorVersionOf(config.lessons), enqueueTimeoutMs });
  const practiceService = createPracticeService({ lessons, attempts: attemptModel(connection) });
  const jobsService = createJobsService({ queues, events: streams.events, timeoutMs: enqueueTimeoutMs });

  const router = Router();
  // Before the limiters: signed-in requests are counted per account and scaled by tier.
  router.use(identify(accessTokens));
  // A constant answer through the whole /api stack (identify, limiter, routing, logging):
  // what a client checks, and what the benchmarks compare the cached reads with.
  router.get('/ping', limits.api, (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.use('/auth', accountsRouter(accountsService, accessTokens, { signIn: limits.signIn, register: limits.register, general: limits.api }));
  router.use('/profiles', profilesRouter(profilesService, accessTokens, config.uploads.avatarMaxBytes, { general: limits.api, upload: limits.upload }));
  router.use('/search', limits.search, searchRouter(searchService));
  router.use('/stats', limits.api, statsRouter(statsService));
  router.use('/documents', documentsRouter(documentsService, accessTokens, config.documents.maxBytes, { general: limits.api, upload: limits.upload, uploadJobs: limits.uploadJobs }));
  router.use('/lessons', lessonsRouter(lessonsService, accessTokens, { general: limits.api, lessonJobs: limits.lessonJobs }));
  const streamRules = { slots: streams.slots, heartbeatMs: config.streams.heartbeatMs, maxLifetimeMs: config.streams.maxLifetimeMs };
  router.use('/jobs', jobsRouter(jobsService, accessTokens, deps.lifecycle, limits.api, streamRules));
  router.use(practiceRouter(practiceService, accessTokens, limits.api));
  return router;
}
