import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/infra/config/config';
import { developmentJwtSecret, envSchema, fileVariableOf, secretSettings } from '../../src/infra/config/schema';

const dev = { NODE_ENV: 'development', JWT_SECRET: 'a-secret-of-this-machine-that-is-long-enough' };

describe('loadConfig', () => {
  it('fills every default from an environment that only says development and its secret', () => {
    const config = loadConfig(dev);
    expect(config.http.port).toBe(3000);
    expect(config.mongo).toMatchObject({ poolMax: 20, poolMin: 5, readPreference: 'secondaryPreferred' });
    expect(config.redis.server).toBeNull();
    expect(config.http.corsOrigins).toEqual([]);
    expect(config.http.securityHeaders).toBe('app');
    expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reads and converts the variables it is given', () => {
    const config = loadConfig({
      ...dev,
      PORT: '8080',
      MONGODB_POOL_MAX: '50',
      MONGODB_READ_PREFERENCE: 'nearest',
      CORS_ORIGINS: 'https://a.example, https://b.example,,',
      REDIS_URL: 'redis://127.0.0.1:6380',
      INSTANCE_ID: 'api-7',
      SECURITY_HEADERS: 'edge',
    });
    expect(config.http.port).toBe(8080);
    expect(config.mongo.poolMax).toBe(50);
    expect(config.mongo.readPreference).toBe('nearest');
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.redis.server).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6380' });
    expect(config.instanceId).toBe('api-7');
    expect(config.http.securityHeaders).toBe('edge');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...dev, PORT: '' }).http.port).toBe(3000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['MONGODB_URI', 'http://db.example/x'],
    ['MONGODB_POOL_MAX', '0'],
    ['MONGODB_READ_PREFERENCE', 'fastest'],
    ['REDIS_URL', 'localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', 'huge'],
    ['NODE_ENV', 'staging'],
    ['JWT_SECRET', 'short'],
    ['ACCESS_TOKEN_TTL_SECONDS', '86400'],
    ['SECURITY_HEADERS', 'bogus'],
  ])('refuses %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ ...dev, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...dev, [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ ...dev, PORT: 'x', MONGODB_POOL_MIN: '-1' })).toThrow(/PORT.*MONGODB_POOL_MIN|MONGODB_POOL_MIN.*PORT/);
  });

  it('refuses a private document bucket that is the avatar bucket', () => {
    expect(() => loadConfig({ ...dev, SUPABASE_BUCKET: 'uploads', SUPABASE_PRIVATE_BUCKET: 'uploads' })).toThrow(/SUPABASE_PRIVATE_BUCKET/);
  });

  it('refuses a pool minimum above the maximum', () => {
    expect(() => loadConfig({ ...dev, MONGODB_POOL_MAX: '4', MONGODB_POOL_MIN: '5' })).toThrow(/MONGODB_POOL_MIN/);
  });

  it('refuses the development secret in production and accepts a real one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET must be set/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: developmentJwtSecret })).toThrow(/JWT_SECRET must be set/);
    const secret = 'a-production-secret-that-is-long-enough-1234';
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).auth.jwtSecret).toBe(secret);
  });

  it('runs as production when NODE_ENV is unset, so it needs a JWT_SECRET of its own', () => {
    expect(() => loadConfig({})).toThrow(/JWT_SECRET must be set/);
    expect(() => loadConfig({ JWT_SECRET: developmentJwtSecret })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).env).toBe('production');
  });

  it('falls back to the committed secret only for the test suite (NODE_ENV=test)', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).auth.jwtSecret).toBe(developmentJwtSecret);
  });

  it('refuses to run a development process (a local stack) without a secret of its own, or on the committed one', () => {
    expect(() => loadConfig({ NODE_ENV: 'development' })).toThrow(/JWT_SECRET must be set/);
    expect(() => loadConfig({ NODE_ENV: 'development', JWT_SECRET: developmentJwtSecret })).toThrow(/JWT_SECRET must be set/);
  });

  it('lets one-shot commands, which sign no tokens, run without JWT_SECRET', () => {
    expect(() => loadConfig({}, { needsSecrets: false })).not.toThrow();
  });

  describe('Redis', () => {
    const sentinels = { ...dev, REDIS_SENTINELS: '127.0.0.1:26379, [::1]:26380,sentinel-3:26381', REDIS_SENTINEL_NAME: 'ep-redis' };

    it('reads Sentinel mode: the sentinels, the master group, credentials; acknowledged by every healthy replica', () => {
      const { redis } = loadConfig({ ...sentinels, REDIS_PASSWORD: 'data-secret', REDIS_SENTINEL_PASSWORD: 'sentinel-secret', REDIS_TLS: 'true' });
      expect(redis.server).toEqual({
        mode: 'sentinel',
        sentinels: [
          { host: '127.0.0.1', port: 26379 },
          { host: '::1', port: 26380 },
          { host: 'sentinel-3', port: 26381 },
        ],
        name: 'ep-redis',
        username: null,
        password: 'data-secret',
        sentinelPassword: 'sentinel-secret',
        tls: true,
        sentinelTls: false,
      });
      expect(redis).toMatchObject({ ackReplicas: 'auto', ackTimeoutMs: 500, commandTimeoutMs: 500, tlsCa: null });
    });

    it('waits for no replica by default with one server, and for the number given', () => {
      expect(loadConfig({ ...dev, REDIS_URL: 'redis://127.0.0.1:6380' }).redis.ackReplicas).toBe(0);
      expect(loadConfig({ ...dev, REDIS_URL: 'redis://127.0.0.1:6380', REDIS_ACK_REPLICAS: '1' }).redis.ackReplicas).toBe(1);
      expect(loadConfig({ ...sentinels, REDIS_ACK_REPLICAS: '2' }).redis.ackReplicas).toBe(2);
    });

    it.each([
      ['both REDIS_URL and REDIS_SENTINELS', { ...sentinels, REDIS_URL: 'redis://127.0.0.1:6380' }, /REDIS_URL.*REDIS_SENTINELS/],
      ['REDIS_SENTINELS without a master group', { ...dev, REDIS_SENTINELS: '127.0.0.1:26379' }, /REDIS_SENTINEL_NAME is required/],
      ['a sentinel without a port', { ...sentinels, REDIS_SENTINELS: '127.0.0.1' }, /REDIS_SENTINELS/],
      [
        'a password for Sentinel mode with one server',
        { ...dev, REDIS_URL: 'redis://127.0.0.1:6380', REDIS_PASSWORD: 'x' },
        /REDIS_PASSWORD only apply with REDIS_SENTINELS/,
      ],
      ['TLS for Sentinel mode without sentinels', { ...dev, REDIS_SENTINEL_TLS: 'true' }, /REDIS_SENTINEL_TLS only apply/],
      [
        'auto acknowledgement without sentinels',
        { ...dev, REDIS_URL: 'redis://127.0.0.1:6380', REDIS_ACK_REPLICAS: 'auto' },
        /REDIS_ACK_REPLICAS=auto needs REDIS_SENTINELS/,
      ],
      [
        'an acknowledgement wait as long as the enqueue',
        { ...sentinels, REDIS_ACK_TIMEOUT_MS: '1000' },
        /REDIS_ACK_TIMEOUT_MS must be below QUEUE_ENQUEUE_TIMEOUT_MS/,
      ],
      ['a CA file that cannot be read', { ...sentinels, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' }, /REDIS_TLS_CA_FILE cannot be read/],
    ])('refuses %s, naming the variables', (_case, env: Record<string, string>, message: RegExp) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });
  });

  it('is documented variable by variable in .env.example, and so is every variable of docker-compose.yml', () => {
    const [app = '', compose = ''] = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8').split(/^# ==== docker-compose .*$/m);
    const documented = (text: string): Set<string | undefined> => new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect(documented(app)).toEqual(new Set([...Object.keys(envSchema.shape), ...secretSettings.map(fileVariableOf)]));
    const composeFile = readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
    expect(documented(compose)).toEqual(new Set([...composeFile.matchAll(/\$\{([A-Z][A-Z0-9_]+)/g)].map((match) => match[1])));
  });
});
