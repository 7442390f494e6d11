/**
 * /ready of each API process, every 200 ms. The PM2 cluster shares one port and hands each new
 * connection to the next process, so a poller on one kept-alive connection asks one process
 * all along: pollers are opened until each sits on a process of its own (the instanceId of
 * /ready's 200 tells which).
 */
import { Agent, get } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface ReadinessSample {
  at: number;
  ready: boolean;
}

export interface ProcessReadiness {
  instanceId: string;
  samples: ReadinessSample[];
  /** 200s from another process: the connection was reopened elsewhere (0 when the pin held). */
  strays: number;
}

interface Answer {
  status: number;
  instanceId: string | null;
}

function ask(port: number, agent: Agent, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/ready', agent, timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        let instanceId: string | null = null;
        try {
          instanceId = (JSON.parse(body) as { instanceId?: string }).instanceId ?? null;
        } catch {
          // Not JSON (e.g. an error page): not ready, and no instance named.
        }
        resolve({ status: response.statusCode ?? 0, instanceId });
      });
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve({ status: 0, instanceId: null }));
  });
}

export interface ReadinessWatch {
  /** True when every watched process answered 200 at its latest poll. */
  allReady(): boolean;
  stop(): Promise<ProcessReadiness[]>;
}

export async function watchReadiness(port: number, processes: number, intervalMs = 200): Promise<ReadinessWatch> {
  const pollers: { agent: Agent; readiness: ProcessReadiness }[] = [];
  for (let attempt = 0; pollers.length < processes; attempt++) {
    if (attempt === 50) throw new Error(`could not reach ${processes} distinct API processes on port ${port}`);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await ask(port, agent, 2000);
    if (first.status === 200 && first.instanceId && !pollers.some((poller) => poller.readiness.instanceId === first.instanceId)) {
      pollers.push({ agent, readiness: { instanceId: first.instanceId, samples: [], strays: 0 } });
    } else {
      agent.destroy();
    }
  }
  let running = true;
  const loops = pollers.map(async ({ agent, readiness }) => {
    while (running) {
      const at = Date.now();
      const answer = await ask(port, agent, 5000);
      readiness.samples.push({ at, ready: answer.status === 200 });
      if (answer.instanceId !== null && answer.instanceId !== readiness.instanceId) readiness.strays++;
      await delay(Math.max(0, at + intervalMs - Date.now()));
    }
    agent.destroy();
  });
  return {
    allReady: () => pollers.every(({ readiness }) => readiness.samples.at(-1)?.ready === true),
    async stop() {
      running = false;
      await Promise.all(loops);
      return pollers.map(({ readiness }) => readiness);
    },
  };
}
