import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** One request of a traffic mix: what Nginx's upstream or a real client would send. */
export interface TrafficRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Statuses that count as success (default: 2xx). */
  ok?: (status: number) => boolean;
}

export interface TrafficClient {
  /** The client's own address: all of 127/8 is loopback, so each client can have its own. */
  localAddress: string;
  /** A pooled keep-alive connection with idle gaps (as Nginx's upstream pool), or one per request. */
  keepAlive: boolean;
  /** The requests the client cycles through. */
  requests: TrafficRequest[];
}

export interface TrafficResult {
  sent: number;
  byMethod: Record<string, { sent: number; failed: number }>;
  failures: string[];
  /** Every request that took longer than `slowMs` (default 5 s), answered or not, with its time. */
  slow: string[];
  /** The longest any request took, in ms. */
  longestMs: number;
}

export interface PacedTraffic {
  stop(): Promise<TrafficResult>;
}

function send(port: number, client: TrafficClient, agent: Agent | false, item: TrafficRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = item.body === undefined ? undefined : JSON.stringify(item.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: item.method,
        path: item.path,
        agent,
        localAddress: client.localAddress,
        // Above Nginx's proxy_read_timeout (10 s), after which it retries a GET on a live process.
        timeout: 20_000,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...item.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Clients that each send one request, pause `pauseMs`, and go on until stopped: steady paced
 * traffic with idle gaps on keep-alive connections, bounded by `stop()` (and by `maxMs`, after
 * which every client stops by itself).
 */
export function startPacedTraffic(port: number, clients: TrafficClient[], options: { pauseMs: number; maxMs: number; slowMs?: number }): PacedTraffic {
  const result: TrafficResult = { sent: 0, byMethod: {}, failures: [], slow: [], longestMs: 0 };
  const slowMs = options.slowMs ?? 5000;
  const deadline = Date.now() + options.maxMs;
  let running = true;
  const loops = clients.map(async (client, index) => {
    const agent = client.keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    let turn = index;
    while (running && Date.now() < deadline) {
      const item = client.requests[turn++ % client.requests.length]!;
      const counts = (result.byMethod[item.method] ??= { sent: 0, failed: 0 });
      result.sent++;
      counts.sent++;
      const started = performance.now();
      let outcome: string;
      try {
        const { status, body } = await send(port, client, agent, item);
        outcome = `status ${status}`;
        if (!(item.ok ?? ((s: number) => s >= 200 && s < 300))(status)) {
          counts.failed++;
          result.failures.push(`${item.method} ${item.path}: status ${status} ${body.slice(0, 200)}`);
        }
      } catch (error) {
        outcome = String(error);
        counts.failed++;
        result.failures.push(`${item.method} ${item.path} (${client.keepAlive ? 'keep-alive' : 'new connection'}): ${String(error)}`);
      }
      const tookMs = performance.now() - started;
      result.longestMs = Math.max(result.longestMs, tookMs);
      if (tookMs > slowMs) result.slow.push(`${item.method} ${item.path}: ${Math.round(tookMs)} ms, ${outcome}`);
      await delay(options.pauseMs);
    }
    if (agent) agent.destroy();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
