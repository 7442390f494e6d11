import { setTimeout as delay } from 'node:timers/promises';

export interface LoadTarget {
  path: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** Requests sent again because Nginx closed the idle keep-alive connection they were sent on. */
  retriedOnClosedConnection: number;
  /** The first failures, as "GET /path: status or error". */
  failures: string[];
}

/**
 * The request never reached Nginx: the idle keep-alive connection it was written on had just
 * been closed (Nginx closes its idle client connections on every reload). HTTP clients resend
 * an idempotent request then (RFC 9110 9.2.2; k6 and Go's Transport, browsers), and so does
 * this load, once, on a new connection. undici reports it as "other side closed" or a reset.
 */
function closedIdleConnection(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}

async function get(url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Steady GET traffic through `baseUrl` until stop() (or `maxDurationMs`, so it always ends):
 * `concurrency` loops, each sending one request at a time with a pause between them. A
 * request fails on any status but 200, a network error, or no answer within 10 s.
 */
export function startLoad(
  baseUrl: string,
  targets: LoadTarget[],
  options: { concurrency?: number; pauseMs?: number; maxDurationMs?: number } = {},
): { stop(): Promise<LoadResult> } {
  const { concurrency = 4, pauseMs = 20, maxDurationMs = 300_000 } = options;
  const deadline = Date.now() + maxDurationMs;
  const result: LoadResult = { ok: 0, failed: 0, retriedOnClosedConnection: 0, failures: [] };
  let stopped = false;
  const fail = (what: string): void => {
    result.failed += 1;
    if (result.failures.length < 20) result.failures.push(what);
  };
  const loop = async (index: number): Promise<void> => {
    for (let sent = index; !stopped && Date.now() < deadline; sent += 1) {
      const target = targets[sent % targets.length]!;
      const url = `${baseUrl}${target.path}`;
      try {
        const status = await get(url, target.headers ?? {}).catch(async (error: unknown) => {
          if (!closedIdleConnection(error)) throw error;
          result.retriedOnClosedConnection += 1;
          return get(url, { ...target.headers, Connection: 'close' });
        });
        if (status === 200) result.ok += 1;
        else fail(`GET ${target.path}: ${status}`);
      } catch (error) {
        // fetch reports the socket's own error (ECONNRESET, ...) as the cause.
        const cause = (error as { cause?: { message?: unknown } } | null)?.cause?.message;
        fail(`GET ${target.path}: ${String(error)}${typeof cause === 'string' ? ` (${cause})` : ''}`);
      }
      await delay(pauseMs);
    }
  };
  const loops = Array.from({ length: concurrency }, (_, index) => loop(index));
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return result;
    },
  };
}
