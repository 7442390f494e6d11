import { Router } from 'express';
import type { AppDependencies } from './app-dependencies';
import {
  accountModel,
  accountsRouter,
  createAccountsService,
  createPasswordHasher,
  refreshTokenModel,
  identify,
  createAccessTokens,
  type AccessTokens,
  profilesRouter,
  profileReadsDuringOutage,
  createProfilesService,
  indexedLearners,
  createSearchIndex,
  searchRouter,
  searchReadsDuringOutage,
  createSearchService,
} from './components/learners';
import { statsRouter, statsReadsDuringOutage, createStatsService } from './components/stats';
import { underMount } from './infra/http/outage-reads';
import { documentModel, documentsRouter, createDocumentsService } from './components/documents';
import { jobsRouter, createJobsService, type StreamSlots } from './components/jobs';
import { generatorVersionOf, lessonModel, lessonsRouter, createLessonsService } from './components/lessons';
import { attemptModel, practiceRouter, createPracticeService } from './components/practice';
import type { RateLimits } from './infra/rate-limit/rate-limits';
import { createMutex } from './infra/redis/mutex';
import type { JobEvents } from './infra/queue/job-events';

/** What the job event streams share with the rest of the app (/health counts them). */
export interface EventStreamState {
  events: JobEvents;
  slots: StreamSlots;
}

const mounts = { profiles: '/profiles', search: '/search', stats: '/stats' } as const;

/** The reads each router serves from the cache while the database is out, as paths under /api. */
export const staleTolerantReads = [
  ...underMount(mounts.profiles, profileReadsDuringOutage),
  ...underMount(mounts.search, searchReadsDuringOutage),
  ...underMount(mounts.stats, statsReadsDuringOutage),
];

/** The learners component's services: accounts, profiles and search, over one accounts model and search index. */
function learnerServices(deps: AppDependencies, accessTokens: AccessTokens) {
  const { config, database, storage, logger, cache } = deps;
  const { connection, staleReadPreference } = database;
  const accounts = accountModel(connection);
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
  return { accounts, searchIndex, accountsService, profilesService, searchService };
}

/** Composes the components into the `/api` router. */
export function apiRoutes(deps: AppDependencies, limits: RateLimits, streams: EventStreamState): Router {
  const { config, database, storage, logger, cache, queues } = deps;
  const { connection, staleReadPreference } = database;
  const accessTokens = createAccessTokens(config.auth.jwtSecret, config.auth.accessTokenTtlSeconds);
  const { accounts, searchIndex, accountsService, profilesService, searchService } = learnerServices(deps, accessTokens);
  const statsService = createStatsService({ accounts, connection, cache, staleReadPreference, searchIndex });
  const documents = documentModel(connection);
  const lessons = lessonModel(connection);
  const enqueueTimeoutMs = config.queues.enqueueTimeoutMs;
  const documentsService = createDocumentsService({
    documents,
    deleteLessonsOf: (documentId) => lessons.deleteMany({ documentId }),
    storage,
    queues,
    enqueueTimeoutMs,
    logger,
  });
  const lessonsService = createLessonsService({
    lessons,
    documents,
    accounts,
    cache,
    queues,
    generatorVersion: generatorVersionOf(config.lessons),
    enqueueTimeoutMs,
  });
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
  router.use(mounts.profiles, profilesRouter(profilesService, accessTokens, config.uploads.avatarMaxBytes, { general: limits.api, upload: limits.upload }));
  router.use(mounts.search, limits.search, searchRouter(searchService));
  router.use(mounts.stats, limits.api, statsRouter(statsService));
  router.use(
    '/documents',
    documentsRouter(documentsService, accessTokens, config.documents.maxBytes, { general: limits.api, upload: limits.upload, uploadJobs: limits.uploadJobs }),
  );
  router.use('/lessons', lessonsRouter(lessonsService, accessTokens, { general: limits.api, lessonJobs: limits.lessonJobs }));
  const streamRules = { slots: streams.slots, heartbeatMs: config.streams.heartbeatMs, maxLifetimeMs: config.streams.maxLifetimeMs };
  router.use('/jobs', jobsRouter(jobsService, accessTokens, deps.lifecycle, limits.api, streamRules));
  router.use(practiceRouter(practiceService, accessTokens, limits.api));
  return router;
}
