/**
 * Where an open model's tail comes from: while it runs, GET /live on the PM2 cluster's port
 * every `everyMs`, once on a new connection (accepted by the PM2 daemon, the cluster's primary,
 * and handed to a process) and once on a kept-alive one (straight to a process). A process that
 * answers its kept-alive connection within milliseconds while new connections wait for
 * seconds is not stalled: new connections queue, because a busy process takes one per turn of
 * its event loop (bench/results/accept-wait.md).
 */
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { percentile } from '../bench-kit.mts';

export interface ProbeFigures {
  count: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ConnectionProbe {
  stop(): Promise<{ newConnection: ProbeFigures; keptAlive: ProbeFigures }>;
}

function figures(times: number[]): ProbeFigures {
  const answered = times.filter((ms) => ms >= 0).sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    count: times.length,
    failed: times.length - answered.length,
    p50Ms: round(percentile(answered, 50)),
    p99Ms: round(percentile(answered, 99)),
    maxMs: round(answered.at(-1) ?? 0),
  };
}

/** GET /live at `port` on `agent` (false: a new connection): ms to the end of a 200 answer, -1 for anything else or no answer within `timeoutMs`. */
export function timeLive(port: number, agent: http.Agent | false, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const request = http.get({ host: '127.0.0.1', port, path: '/live', agent, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200 ? performance.now() - started : -1));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(-1));
  });
}

export function probeConnections(port: number, everyMs = 20): ConnectionProbe {
  const keptAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = { newConnection: [] as number[], keptAlive: [] as number[] };
  let running = true;
  const probing = (async () => {
    while (running) {
      const [fresh, kept] = await Promise.all([timeLive(port, false), timeLive(port, keptAlive)]);
      times.newConnection.push(fresh);
      times.keptAlive.push(kept);
      await delay(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await probing;
      keptAlive.destroy();
      return { newConnection: figures(times.newConnection), keptAlive: figures(times.keptAlive) };
    },
  };
}
