import { setTimeout as delay } from 'node:timers/promises';

export interface LoadTarget {
  path: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** The first failures, as "GET /path: status or error". */
  failures: string[];
}

/**
 * Steady GET traffic through `baseUrl` until stop() (or `maxDurationMs`, so it always ends):
 * `concurrency` loops, each sending one request at a time with a pause between them. A
 * request fails on any status but 200, a network error, or no answer within 10 s.
 */
export function startLoad(baseUrl: string, targets: LoadTarget[], options: { concurrency?: number; pauseMs?: number; maxDurationMs?: number } = {}): { stop(): Promise<LoadResult> } {
  const { concurrency = 4, pauseMs = 20, maxDurationMs = 300_000 } = options;
  const deadline = Date.now() + maxDurationMs;
  const result: LoadResult = { ok: 0, failed: 0, failures: [] };
  let stopped = false;
  const fail = (what: string): void => {
    result.failed += 1;
    if (result.failures.length < 20) result.failures.push(what);
  };
  const loop = async (index: number): Promise<void> => {
    for (let sent = index; !stopped && Date.now() < deadline; sent += 1) {
      const target = targets[sent % targets.length]!;
      try {
        const response = await fetch(`${baseUrl}${target.path}`, { headers: target.headers ?? {}, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.status === 200) result.ok += 1;
        else fail(`GET ${target.path}: ${response.status}`);
      } catch (error) {
        // fetch reports the socket's own error (ECONNRESET, ...) as the cause.
        const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
        fail(`GET ${target.path}: ${error instanceof Error ? error.message : String(error)}${cause}`);
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
