import { ServiceUnavailableError } from '../../infra/errors/app-error';

/** MongoDB's error code for an operation stopped by its maxTimeMS. */
const maxTimeExpired = 50;

/**
 * Bounds the database work of uncached searches in one process: at most `maxConcurrent`
 * run at once, and the next is answered 503 (with Retry-After) at once rather than queued,
 * so a flood of unique queries cannot pile up on the database. A query stopped by its time
 * limit is a 503 as well.
 */
export function searchGate(maxConcurrent: number) {
  let running = 0;
  return async function gated<T>(work: () => Promise<T>): Promise<T> {
    if (running >= maxConcurrent) throw new ServiceUnavailableError('SEARCH_BUSY');
    running += 1;
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: unknown }).code === maxTimeExpired) {
        throw new ServiceUnavailableError('SEARCH_TIMEOUT');
      }
      throw error;
    } finally {
      running -= 1;
    }
  };
}
