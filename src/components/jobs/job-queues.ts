import type { Config } from '../../infra/config/config';
import type { Logger } from '../../infra/logger';
import { acknowledgementPolicy } from '../../infra/queue/acknowledgement';
import { openQueue, type OpenQueue } from '../../infra/queue/bull-queue';
import type { RedisHandle } from '../../infra/redis/redis';
import type { DocumentJobData } from './document-job';
import type { LessonJobData } from './lesson-job';

export const queueNames = { uploads: 'upload-processing', lessons: 'lesson-generation' } as const;

export interface JobQueues {
  uploads: OpenQueue<DocumentJobData>;
  lessons: OpenQueue<LessonJobData>;
}

/** Both queues on the shared Redis; null when no Redis is configured (nothing can be queued). */
export function openJobQueues(config: Config, redis: RedisHandle | null, logger: Logger, options: { failFast: boolean }): JobQueues | null {
  if (redis === null) return null;
  const connection = {
    connections: redis.connections,
    keyPrefix: config.redis.keyPrefix,
    settings: config.queues,
    failFast: options.failFast,
    acknowledgement: acknowledgementPolicy(config.redis, redis.topology),
  };
  return {
    uploads: openQueue<DocumentJobData>(queueNames.uploads, connection, logger),
    lessons: openQueue<LessonJobData>(queueNames.lessons, connection, logger),
  };
}

export async function closeJobQueues(queues: JobQueues | null): Promise<void> {
  if (queues) await Promise.all([queues.uploads.close(), queues.lessons.close()]);
}
