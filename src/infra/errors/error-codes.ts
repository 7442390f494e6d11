/**
 * Every error code the API answers with, its HTTP status and its usual message: the one list
 * (docs/api.md describes the error shape). A caller may say more in its own message; the code
 * and the status always come from here.
 */
export const errorCodes = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid' },
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON' },
  MALFORMED_MULTIPART: { status: 400, message: 'The multipart body is malformed' },
  MALFORMED_URL: { status: 400, message: 'The URL has invalid percent-encoding' },
  UNDECODABLE_BODY: { status: 400, message: 'The request body does not decode as its Content-Encoding says' },
  REQUEST_ABORTED: { status: 400, message: 'The request was aborted by the client' },
  INVALID_REQUEST_SIZE: { status: 400, message: 'The request body size does not match its Content-Length' },
  INVALID_BODY: { status: 400, message: 'The request body was rejected' },
  INVALID_ID: { status: 400, message: 'Invalid id' },
  UNEXPECTED_FIELD: { status: 400, message: 'Unexpected file field' },
  TOO_MANY_FILES: { status: 400, message: 'Send exactly one file' },
  TOO_MANY_PARTS: { status: 400, message: 'Too many parts in the form' },
  TOO_MANY_FIELDS: { status: 400, message: 'Too many fields in the form' },
  FIELD_NAME_TOO_LONG: { status: 400, message: 'A field name is too long' },
  FIELD_TOO_LONG: { status: 400, message: 'A field value is too long' },
  UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid e-mail or password' },
  INVALID_TOKEN: { status: 401, message: 'Invalid access token' },
  TOKEN_EXPIRED: { status: 401, message: 'Access token expired' },
  INVALID_REFRESH_TOKEN: { status: 401, message: 'Invalid refresh token' },
  REFRESH_TOKEN_REUSED: { status: 401, message: 'Refresh token already used; signed out everywhere it was shared' },
  FORBIDDEN: { status: 403, message: 'Not allowed' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive' },
  CONFLICT: { status: 409, message: 'Conflict' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this e-mail already exists' },
  DOCUMENT_NOT_READY: { status: 409, message: 'The document is not ready' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than allowed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json' },
  UNSUPPORTED_FILE_TYPE: { status: 415, message: 'The file content is not of an accepted type' },
  UNSUPPORTED_ENCODING: { status: 415, message: 'The request body encoding is not supported' },
  UNSUPPORTED_CHARSET: { status: 415, message: 'The request body charset is not supported' },
  INVALID_IMAGE: { status: 422, message: 'The file is not a readable PNG, JPEG or WebP image' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; try again after the time in Retry-After' },
  TOO_MANY_STREAMS: { status: 429, message: 'Too many open event streams for this account; close one first' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  INTERNAL: { status: 500, message: 'Internal server error' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; try again shortly' },
  SCHEMA_NOT_MIGRATED: { status: 503, message: 'The database is not ready for this release' },
  QUEUE_UNAVAILABLE: { status: 503, message: 'The job queue is unavailable; try again shortly' },
  SEARCH_BUSY: { status: 503, message: 'Too many searches right now; try again shortly' },
  SEARCH_TIMEOUT: { status: 503, message: 'The search took too long; try a more specific query' },
  SHUTTING_DOWN: { status: 503, message: 'This instance is shutting down' },
  BUSY: { status: 503, message: 'Another change of this resource is under way; try again shortly' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** The codes answered with `status` (ServiceUnavailableError takes only the 503 ones). */
export type CodeWithStatus<Status extends number> = {
  [Code in ErrorCode]: (typeof errorCodes)[Code]['status'] extends Status ? Code : never;
}[ErrorCode];
