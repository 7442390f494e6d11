import type { Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { Lifecycle } from './lifecycle';

export interface ShutdownOptions {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  timeoutMs: number;
  /** Time between failing readiness and closing the listener, for load balancers to notice. */
  readinessDelayMs: number;
  /** Closes what the process holds open (database, Redis) once no request is in flight. */
  closeResources: () => Promise<void>;
  exit?: (code: number) => void;
}

/**
 * SIGTERM (Docker, Kubernetes) and SIGINT (PM2, Ctrl-C) start the same sequence:
 * readiness fails, the listener closes, idle keep-alive sockets close, in-flight requests
 * finish (their responses carry `Connection: close`), resources close, exit 0.
 * If that takes longer than `timeoutMs` the process exits 1.
 */
export function installGracefulShutdown(options: ShutdownOptions): (reason: string) => Promise<void> {
  const { server, lifecycle, logger, timeoutMs, readinessDelayMs, closeResources } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | null = null;

  async function shutdown(reason: string): Promise<void> {
    lifecycle.beginShutdown();
    logger.info({ reason, timeoutMs }, 'shutdown started');
    const forced = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting with in-flight work unfinished');
      exit(1);
    }, timeoutMs);
    forced.unref();
    try {
      await delay(readinessDelayMs);
      await closeServer(server);
      await closeResources();
      clearTimeout(forced);
      logger.info('shutdown complete');
      exit(0);
    } catch (error) {
      clearTimeout(forced);
      logger.error({ err: error }, 'shutdown failed');
      exit(1);
    }
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    running ??= shutdown(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return (reason) => (running ??= shutdown(reason));
}

/** How often sockets that became idle since the listener closed are closed in turn. */
const idleSweepMs = 100;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    // close() closes the sockets idle right now; a socket whose response ends later would
    // otherwise stay open until its keep-alive timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
    server.close((error) => {
      clearInterval(sweep);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
