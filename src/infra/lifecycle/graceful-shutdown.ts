import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { Lifecycle } from './lifecycle';
import { stopOnSignals } from './process-runner';

export interface ShutdownOptions {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  timeoutMs: number;
  /** Time between failing readiness and closing the listener, for load balancers to notice. */
  readinessDelayMs: number;
  /** How long idle keep-alive connections are left for the client to close (see closeServer). */
  idleGraceMs: number;
  /** Closes what the process holds open (database, Redis) once no request is in flight. */
  closeResources: () => Promise<void>;
  exit?: (code: number) => void;
}

/**
 * SIGTERM (Docker, Kubernetes) and SIGINT (PM2, Ctrl-C) start the same sequence:
 * readiness fails, the listener closes, in-flight requests finish (their responses carry
 * `Connection: close`), idle keep-alive sockets are closed by their clients or, after
 * `idleGraceMs`, by us, resources close, exit 0.
 * If that takes longer than `timeoutMs` the process exits 1.
 */
export function installGracefulShutdown(options: ShutdownOptions): (reason: string) => Promise<void> {
  const { server, lifecycle, readinessDelayMs, idleGraceMs, closeResources } = options;
  const messages = { started: 'shutdown started', timedOut: 'shutdown timed out; exiting with in-flight work unfinished', done: 'shutdown complete' };
  const rules = { logger: options.logger, timeoutMs: options.timeoutMs, messages, onStart: () => lifecycle.beginShutdown(), exit: options.exit };
  return stopOnSignals(rules, async () => {
    await delay(readinessDelayMs);
    await closeServer(server, idleGraceMs);
    await closeResources();
  });
}

/** How often sockets that became idle since the grace ended are closed in turn. */
const idleSweepMs = 100;

/**
 * Stops accepting, then waits for every connection to end. Idle keep-alive connections are
 * not closed at once: a proxy (Nginx's upstream pool) may be writing a request on one at
 * that very moment, and a request that meets a closing socket fails — a POST is not retried.
 * Instead, a request that arrives on one is served with `Connection: close`, and the pool
 * closes its idle connections itself after its own keepalive_timeout (nginx/: 2s), which is
 * below `idleGraceMs`. Only what is still idle after the grace (clients that keep connections
 * forever) is closed by us, as `http.Server.close()` would have done at once.
 */
function closeServer(server: Server, idleGraceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    let sweep: NodeJS.Timeout | undefined;
    const grace = setTimeout(() => {
      server.closeIdleConnections();
      sweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
    }, idleGraceMs);
    // net.Server's close: http.Server's would also close every idle connection right now.
    NetServer.prototype.close.call(server, (error?: Error) => {
      clearTimeout(grace);
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
  });
}
