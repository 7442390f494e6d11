import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A request with a body must say it is JSON, or multipart where a route takes files. */
export const requireKnownBodyType: RequestHandler = (req, _res, next) => {
  if (hasBody(req) && !req.is(['application/json', 'multipart/form-data'])) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  next();
};
