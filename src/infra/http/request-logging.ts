import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../logger';
import { LinesPerSecond } from './lines-per-second';

/** A client-supplied id is kept only when it looks like an id, so it cannot forge log lines. */
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const offered = req.headers['x-request-id'];
  const id = typeof offered === 'string' && acceptableRequestId.test(offered) ? offered : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

export interface RequestLogPolicy {
  /** Requests at least this slow are always written. */
  slowMs: number;
  /** 4xx lines (429 bursts included) written per second per process at most. */
  clientErrorsPerSecond: number;
}

/** The error behind a 5xx, recorded by the error handler for the request's log line. */
export function recordServerError(res: Response, error: Error): void {
  res.locals.serverError = error;
}

type Level = 'error' | 'warn' | 'info' | 'debug';

/**
 * One line per request only where someone will read it, so a busy box cannot fill its disk
 * (a line per request at 20k req/s is ~36 GB an hour): 5xx at `error` and slow requests at
 * `warn` always; 4xx at `info`, at most `clientErrorsPerSecond` a second (a flood of 429s is
 * one line a second plus a count); fast successful requests at `debug`. Nothing is built for a
 * request whose line will not be written: the hot path costs one timestamp and a listener.
 */
export function requestLogging(logger: Logger, policy: RequestLogPolicy): RequestHandler {
  const clientErrors = new LinesPerSecond(policy.clientErrorsPerSecond);
  const debugEnabled = (): boolean => logger.isLevelEnabled('debug');

  const levelOf = (status: number, ms: number, error: unknown): Level | null => {
    if (status >= 500 || error) return 'error';
    if (ms >= policy.slowMs) return 'warn';
    if (status >= 400) return clientErrors.take() ? 'info' : null;
    return debugEnabled() ? 'debug' : null;
  };

  return (req, res, next) => {
    const started = performance.now();
    const id = requestId(req, res);
    res.once('close', () => {
      const ms = performance.now() - started;
      const status = res.writableFinished ? res.statusCode : 499;
      const error: unknown = res.locals.serverError;
      const level = levelOf(status, ms, error);
      if (level === null) return;
      const line: Record<string, unknown> = {
        reqId: id,
        req: { method: req.method, url: req.originalUrl, remoteAddress: req.ip },
        res: { statusCode: status },
        responseTime: Math.round(ms),
      };
      if (error) line.err = error;
      if (level === 'info') {
        const left = clientErrors.takeSkipped();
        if (left > 0) line.clientErrorLinesLeftOut = left;
      }
      logger[level](line, status === 499 ? 'request aborted' : 'request completed');
    });
    next();
  };
}
