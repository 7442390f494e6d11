import type { ErrorRequestHandler, RequestHandler } from 'express';
import mongoose from 'mongoose';
import { AppError, databaseUnavailable, NotFoundError, type ErrorCode } from '../errors/app-error';
import { recordServerError } from './request-logging';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** body-parser and raw-body report client mistakes through `type` and `status`. */
const bodyParserErrors: Record<string, ErrorCode> = {
  'entity.parse.failed': 'MALFORMED_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_ENCODING',
  'charset.unsupported': 'UNSUPPORTED_CHARSET',
  'request.aborted': 'REQUEST_ABORTED',
  'request.size.invalid': 'INVALID_REQUEST_SIZE',
  'entity.verify.failed': 'INVALID_BODY',
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

/** The AppError an error stands for: ours, a client's mistake a library reported, or the database away. */
function appErrorOf(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const parserCode = hasType(error) ? bodyParserErrors[error.type] : undefined;
  if (parserCode !== undefined) return new AppError(parserCode);
  if (isUndecodableBody(error)) return new AppError('UNDECODABLE_BODY');
  // The router decodes path parameters; a client's `%ff` or `%E0%A4%A` is its own mistake.
  if (error instanceof URIError) return new AppError('MALFORMED_URL');
  if (error instanceof mongoose.Error.CastError) return new AppError('INVALID_ID', `Invalid value for ${error.path}`);
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  return new AppError('INTERNAL');
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  const known = appErrorOf(error);
  const body: ErrorBody = { error: { code: known.code, message: known.message } };
  if (known.details !== undefined) body.error.details = known.details;
  return { status: known.status, body };
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
