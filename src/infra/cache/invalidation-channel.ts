import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import type { LocalCache } from './local-cache';

/**
 * Carries cache invalidations to every process through Redis pub/sub, for the in-process
 * layer. The writer publishes in the same MULTI that bumps the tag versions, so Redis sends the
 * message before it acknowledges the write. The local layer is used only while the
 * subscription stands: when the connection drops, messages can be missed, so everything local
 * goes at once and nothing is kept until the subscription is back.
 */
export function openInvalidationChannel(redis: RedisHandle, channel: string, local: LocalCache, logger: Logger) {
  const subscriber = redis.connections.open('invalidations');
  let listening = false;
  let closed = false;

  const stopListening = (): void => {
    if (listening) logger.warn({ component: 'cache' }, 'cache invalidations unheard: serving from Redis only until they are back');
    listening = false;
    local.clear();
  };

  subscriber.on('ready', () => {
    subscriber
      .subscribe(channel)
      .then(() => {
        if (closed) return;
        local.clear();
        listening = true;
      })
      .catch(stopListening);
  });
  subscriber.on('close', stopListening);
  // Reconnection is the client's job; the shared client already reports Redis being down.
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => {
    let tags: unknown = null;
    try {
      tags = JSON.parse(message);
    } catch {
      // Not ours to read: forgetting everything is always safe.
    }
    if (Array.isArray(tags)) local.drop(tags.filter((tag): tag is string => typeof tag === 'string'));
    else local.clear();
  });

  return {
    /** Whether every invalidation in the cluster reaches this process now. */
    listening: (): boolean => listening,
    async close(): Promise<void> {
      closed = true;
      listening = false;
      local.clear();
      redis.connections.release(subscriber);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
