/**
 * An open model that keeps every answer: requests leave at fixed times (`rate` a second)
 * whatever the server does, each on its own (undici's keep-alive pool, which opens as many
 * connections as are in flight and costs less CPU per request than fetch), and each is recorded
 * with its status and latency. report/open-model.mts gives percentiles of a whole run; a chaos
 * scenario needs each answer on the clock, to split the run at the moment of a fault, and the
 * bodies of the answers (job ids).
 * Coordinated omission: latency is counted from the time the request was due, not from when
 * it left, so a late generator adds to the latency instead of hiding it; a request that
 * would exceed `maxInFlight` is counted as dropped, never silently skipped.
 */
import { Pool } from 'undici';
import type { PlannedRequest } from '../report/open-model.mts';

export interface Sample {
  /** When the request was due (ms since the epoch). */
  at: number;
  /** From `at` to the end of the answer's body, or to the error. */
  ms: number;
  /** 0: no answer (connection error or client timeout). */
  status: number;
  /** Method and path, ids as `<id>`. */
  request: string;
  /** The `jobId` of a 202 answer: an acknowledged job. */
  jobId?: string;
  /** The error code of a 5xx answer with the API's error body (e.g. QUEUE_UNAVAILABLE). */
  code?: string;
}

export interface Traffic {
  readonly samples: Sample[];
  /** Requests due while `maxInFlight` were still unanswered. */
  dropped(): number;
  /** Stops sending and waits for the answers still due. */
  stop(): Promise<void>;
}

export function startTraffic(port: number, requests: PlannedRequest[], rate: number, options: { timeoutMs?: number; maxInFlight?: number } = {}): Traffic {
  const { timeoutMs = 60_000, maxInFlight = 2000 } = options;
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / rate;
  const began = Date.now();
  let sent = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const pool = new Pool(`http://127.0.0.1:${port}`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

  const send = async (request: PlannedRequest, at: number): Promise<void> => {
    const sample: Sample = { at, ms: 0, status: 0, request: `${request.method} ${request.path.replace(/[0-9a-f]{24}/g, '<id>')}` };
    try {
      const response = await pool.request({
        path: request.path,
        method: request.method,
        headers: request.headers ?? {},
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      const text = await response.body.text();
      sample.status = response.statusCode;
      if (response.statusCode === 202) {
        const jobId = (JSON.parse(text) as { jobId?: unknown }).jobId;
        if (typeof jobId === 'string') sample.jobId = jobId;
      }
      if (response.statusCode >= 500 && text.startsWith('{')) {
        const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
        if (typeof code === 'string') sample.code = code;
      }
    } catch {
      // No answer: status 0 says so.
    }
    sample.ms = Math.round(Date.now() - at);
    samples.push(sample);
  };

  const tick = (): void => {
    for (let due = began + sent * interval; due <= Date.now(); due = began + sent * interval) {
      const request = requests[sent % requests.length]!;
      sent++;
      if (inFlight.size >= maxInFlight) {
        dropped++;
        continue;
      }
      const pending = send(request, due);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    }
    timer = setTimeout(tick, Math.max(0, began + sent * interval - Date.now()));
  };
  tick();

  return {
    samples,
    dropped: () => dropped,
    async stop() {
      clearTimeout(timer);
      await Promise.all(inFlight);
      await pool.close();
    },
  };
}

/**
 * The requests reordered so that each kind is spread evenly over time (a stride coprime with
 * their count): mixRequests lists them flow by flow, and at a fixed rate a phase of a few
 * seconds would otherwise see only one flow.
 */
export function spread<T>(items: T[]): T[] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = Math.max(1, Math.round(items.length * 0.618));
  while (gcd(stride, items.length) !== 1) stride++;
  return items.map((_, index) => items[(index * stride) % items.length]!);
}
