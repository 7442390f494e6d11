/**
 * The one error type the API raises on purpose. The central error handler turns it
 * into `{ error: { code, message, details? } }` with `status`; anything else is a 500.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  constructor(message: string, details?: unknown) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class UnauthorizedError extends AppError {
  override readonly name: string = 'UnauthorizedError';
  constructor(message = 'Authentication required', code = 'UNAUTHORIZED') {
    super(401, code, message);
  }
}

/** Wrong e-mail or password: the one outcome that counts against sign-in budgets. */
export class InvalidCredentialsError extends UnauthorizedError {
  override readonly name = 'InvalidCredentialsError';
  constructor() {
    super('Invalid e-mail or password', 'INVALID_CREDENTIALS');
  }
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(message = 'Not allowed') {
    super(403, 'FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(message = 'Not found') {
    super(404, 'NOT_FOUND', message);
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(message: string, code = 'CONFLICT') {
    super(409, code, message);
  }
}

export class ServiceUnavailableError extends AppError {
  override readonly name = 'ServiceUnavailableError';
  constructor(code: string, message: string) {
    super(503, code, message);
  }
}
