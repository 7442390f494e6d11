import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { Logger } from '../logger';

/** A client-supplied id is kept only when it looks like an id, so it cannot forge log lines. */
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const offered = req.headers['x-request-id'];
  const id = typeof offered === 'string' && acceptableRequestId.test(offered) ? offered : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

const quietPaths = new Set(['/live', '/ready']);

export function requestLogging(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    autoLogging: { ignore: (req) => quietPaths.has(req.url ?? '') },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (req: { id: unknown; method: unknown; url: unknown; remoteAddress: unknown }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: unknown }) => ({ statusCode: res.statusCode }),
    },
  });
}
