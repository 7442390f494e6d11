import { errorCodes, type CodeWithStatus, type ErrorCode } from './error-codes';

export { errorCodes, type ErrorCode } from './error-codes';

/**
 * The one error type the API raises on purpose. The central error handler turns it into
 * `{ error: { code, message, details? } }` with the code's status (error-codes.ts); anything
 * else is a 500. Without a message, the code's usual one.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? errorCodes[code].message);
    this.status = errorCodes[code].status;
  }
}

export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  constructor(message: string, details?: unknown) {
    super('VALIDATION_FAILED', message, details);
  }
}

export class UnauthorizedError extends AppError {
  override readonly name: string = 'UnauthorizedError';
  constructor(message?: string, code: CodeWithStatus<401> = 'UNAUTHORIZED') {
    super(code, message);
  }
}

/** Wrong e-mail or password: the one outcome that counts against sign-in budgets. */
export class InvalidCredentialsError extends UnauthorizedError {
  override readonly name = 'InvalidCredentialsError';
  constructor() {
    super(undefined, 'INVALID_CREDENTIALS');
  }
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(message?: string) {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(message?: string) {
    super('NOT_FOUND', message);
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(message?: string, code: CodeWithStatus<409> = 'CONFLICT') {
    super(code, message);
  }
}

export class ServiceUnavailableError extends AppError {
  override readonly name = 'ServiceUnavailableError';
  constructor(code: CodeWithStatus<503>, message?: string) {
    super(code, message);
  }
}

/** The database cannot answer now (503 with Retry-After); `message` says what could not be done. */
export const databaseUnavailable = (message?: string): ServiceUnavailableError => new ServiceUnavailableError('DATABASE_UNAVAILABLE', message);

/** A limit was reached (429 with Retry-After). */
export const rateLimited = (message?: string): AppError => new AppError('RATE_LIMITED', message);
