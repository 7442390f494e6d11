import type { ErrorRequestHandler, RequestHandler } from 'express';
import mongoose from 'mongoose';
import { AppError, NotFoundError } from '../errors/app-error';
import { recordServerError } from './request-logging';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** body-parser and raw-body report client mistakes through `type` and `status`. */
const bodyParserErrors: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'MALFORMED_JSON', message: 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_ENCODING', message: 'The request body encoding is not supported' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_CHARSET', message: 'The request body charset is not supported' },
  'request.aborted': { status: 400, code: 'REQUEST_ABORTED', message: 'The request was aborted by the client' },
  'request.size.invalid': { status: 400, code: 'INVALID_REQUEST_SIZE', message: 'The request body size does not match its Content-Length' },
  'entity.verify.failed': { status: 400, code: 'INVALID_BODY', message: 'The request body was rejected' },
};

function hasType(error: unknown): error is { type: string } {
  return typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string';
}

/**
 * A body that does not decode as its Content-Encoding says: body-parser passes the zlib,
 * brotli or zstd error on with status 400 and no `type`; those errors carry an `errno`.
 */
function isUndecodableBody(error: unknown): boolean {
  return error instanceof Error && (error as { status?: unknown }).status === 400 && typeof (error as { errno?: unknown }).errno === 'number';
}

/**
 * The driver's errors that mean "the database cannot answer right now", by name (the app and
 * mongoose may load different copies of the driver). A hung database shows as several: the
 * socket timeout, then the pool cleared under the waiting requests, the pool's wait queue,
 * and server selection while it is away.
 */
const databaseUnavailableErrors = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
]);
/**
 * Server error codes for "cannot carry this out right now", whatever the request: a time limit
 * (MaxTimeMSExpired 50, ExceededTimeLimit 262), a server stepping down or shutting down (91, 189,
 * 10107, 11600, 11602, 13435, 13436), a network fault behind it (6, 7, 89, 9001), and
 * InternalError (1): FerretDB's answer when its PostgreSQL is gone, e.g.
 * "terminating connection due to unexpected postmaster exit".
 */
const unavailableServerCodes = new Set([1, 6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Errors that mean "the database cannot be reached right now", not "the request is wrong". */
function isDatabaseUnavailable(error: unknown): boolean {
  // Every network error of mongoose's driver, whatever subclass a driver version adds.
  if (error instanceof mongoose.Error.MongooseServerSelectionError || error instanceof mongoose.mongo.MongoNetworkError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return databaseUnavailableErrors.has(error.name) || (error.name === 'MongoServerError' && typeof code === 'number' && unavailableServerCodes.has(code));
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return { status: error.status, body };
  }
  if (hasType(error) && bodyParserErrors[error.type]) {
    const known = bodyParserErrors[error.type]!;
    return { status: known.status, body: { error: { code: known.code, message: known.message } } };
  }
  if (isUndecodableBody(error)) {
    return { status: 400, body: { error: { code: 'UNDECODABLE_BODY', message: 'The request body does not decode as its Content-Encoding says' } } };
  }
  // The router decodes path parameters; a client's `%ff` or `%E0%A4%A` is its own mistake.
  if (error instanceof URIError) {
    return { status: 400, body: { error: { code: 'MALFORMED_URL', message: 'The URL has invalid percent-encoding' } } };
  }
  if (error instanceof mongoose.Error.CastError) {
    return { status: 400, body: { error: { code: 'INVALID_ID', message: `Invalid value for ${error.path}` } } };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, body: { error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; try again shortly' } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal server error' } } };
}

export const notFoundHandler: RequestHandler = (req) => {
  throw new NotFoundError(`No route for ${req.method} ${req.path}`);
};

export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const { status, body } = toErrorResponse(error);
  if (status >= 500 && error instanceof Error) recordServerError(res, error);
  if (status === 503) res.setHeader('Retry-After', '5');
  res.status(status).json(body);
};
