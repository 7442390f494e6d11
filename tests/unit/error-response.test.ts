import mongoose from 'mongoose';
import { AppError, ConflictError, errorCodes, NotFoundError, ValidationError, type ErrorCode } from '../../src/infra/errors/app-error';
import { toErrorResponse } from '../../src/infra/http/error-handler';

describe('toErrorResponse', () => {
  it('keeps the status, code, message and details of an AppError', () => {
    expect(toErrorResponse(new ValidationError('bad', [{ path: 'email' }]))).toEqual({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'bad', details: [{ path: 'email' }] } },
    });
    expect(toErrorResponse(new NotFoundError()).status).toBe(404);
    expect(toErrorResponse(new ConflictError('taken', 'EMAIL_TAKEN')).body.error.code).toBe('EMAIL_TAKEN');
    expect(toErrorResponse(new AppError('INVALID_IMAGE', 'y')).body.error).not.toHaveProperty('details');
  });

  it('answers every code of the list with its status and, by default, its message', () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      expect(toErrorResponse(new AppError(code))).toEqual({ status: errorCodes[code].status, body: { error: { code, message: errorCodes[code].message } } });
    }
    expect(new ConflictError(undefined, 'EMAIL_TAKEN')).toMatchObject({ status: 409, message: 'An account with this e-mail already exists' });
  });

  it.each([
    ['entity.parse.failed', 400],
    ['entity.too.large', 413],
    ['encoding.unsupported', 415],
    ['request.aborted', 400],
  ])('maps body-parser error %s to %i', (type, status) => {
    expect(toErrorResponse(Object.assign(new Error('x'), { type })).status).toBe(status);
  });

  it('maps a cast error to 400 and a lost database to 503', () => {
    const cast = new mongoose.Error.CastError('ObjectId', 'nope', '_id');
    expect(toErrorResponse(cast)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ID' } } });
    const lost = Object.assign(new Error('gone'), { name: 'MongoNetworkError' });
    expect(toErrorResponse(lost)).toMatchObject({ status: 503, body: { error: { code: 'DATABASE_UNAVAILABLE' } } });
  });

  it.each([
    'MongoPoolClearedError',
    'PoolClearedOnNetworkError',
    'MongoWaitQueueTimeoutError',
    'MongoNetworkTimeoutError',
    'MongoOperationTimeoutError',
    'MongoServerSelectionError',
    'MongoPoolClosedError',
  ])('maps %s (what a hung or killed database throws) to 503, never 500', (name) => {
    expect(toErrorResponse(Object.assign(new Error('database away'), { name }))).toMatchObject({
      status: 503,
      body: { error: { code: 'DATABASE_UNAVAILABLE' } },
    });
  });

  it('maps any network error of the driver to 503, whatever its subclass', () => {
    class PoolClearedElsewhere extends mongoose.mongo.MongoNetworkError {
      override get name(): string {
        return 'SomeFuturePoolError';
      }
    }
    expect(toErrorResponse(new PoolClearedElsewhere('interrupted due to server monitor timeout')).status).toBe(503);
  });

  it('maps an operation stopped by its time limit to 503, and other server errors to 500', () => {
    const slow = Object.assign(new Error('operation exceeded time limit'), { name: 'MongoServerError', code: 50 });
    expect(toErrorResponse(slow).status).toBe(503);
    const other = Object.assign(new Error('bad'), { name: 'MongoServerError', code: 2 });
    expect(toErrorResponse(other).status).toBe(500);
  });

  it("maps a server that cannot carry the operation out now to 503: FerretDB's lost PostgreSQL, a stepping-down primary", () => {
    const storageGone = Object.assign(new Error('FATAL: terminating connection due to unexpected postmaster exit (SQLSTATE 57P01)'), {
      name: 'MongoServerError',
      code: 1,
    });
    expect(toErrorResponse(storageGone)).toEqual({
      status: 503,
      body: { error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; try again shortly' } },
    });
    for (const code of [91, 189, 10107, 11602]) {
      expect(toErrorResponse(Object.assign(new Error('not now'), { name: 'MongoServerError', code })).status).toBe(503);
    }
    const duplicate = Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError', code: 11000 });
    expect(toErrorResponse(duplicate).status).toBe(500);
  });

  it('hides everything about an unexpected error', () => {
    const response = toErrorResponse(new TypeError('secret internals at /src/x.ts:1'));
    expect(response).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'Internal server error' } } });
  });
});
