import { randomBytes } from 'node:crypto';

/** A database URI for one test file: the shared server, a database of its own. */
export function testMongoUri(base = process.env.TEST_MONGODB_URL): string {
  if (!base) throw new Error('TEST_MONGODB_URL is not set: run the tests with `npm test`');
  const url = new URL(base);
  url.pathname = `/test_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests with `npm test`');
  return url;
}

/** The environment a test app or process starts from: real servers, quiet logs. */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MONGODB_URI: testMongoUri(),
    REDIS_URL: testRedisUrl(),
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000',
    // Each app gets its own key space in the shared Redis, and limits high enough that
    // tests about other things never trip them; rate-limit tests set their own.
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    RATE_LIMIT_AUTH_MAX: '100000',
    RATE_LIMIT_AUTH_EMAIL_MAX: '100000',
    RATE_LIMIT_AUTH_ADDRESS_MAX: '100000',
    RATE_LIMIT_REGISTER_MAX: '100000',
    RATE_LIMIT_API_MAX: '100000',
    RATE_LIMIT_UPLOAD_MAX: '100000',
    RATE_LIMIT_SEARCH_MAX: '100000',
    RATE_LIMIT_SEARCH_ANONYMOUS_MAX: '100000',
    RATE_LIMIT_LESSON_JOBS_MAX: '100000',
    RATE_LIMIT_UPLOAD_JOBS_MAX: '100000',
    ...overrides,
  };
}
