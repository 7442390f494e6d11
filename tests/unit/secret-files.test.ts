import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/infra/config/config';
import { fileVariableOf, type secretSettings } from '../../src/infra/config/schema';

const production = { NODE_ENV: 'production' };
const jwtSecret = 'a-production-secret-read-from-a-file-0123456789';

describe('secret settings given as files (<NAME>_FILE)', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'ep-secrets-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  function secretFile(name: string, content: string): string {
    const path = join(folder, name);
    writeFileSync(path, content);
    return path;
  }

  it('reads the value from the file, less the trailing line break that `echo` leaves', () => {
    const config = loadConfig({ ...production, JWT_SECRET_FILE: secretFile('jwt', `${jwtSecret}\n`) });
    expect(config.auth.jwtSecret).toBe(jwtSecret);
  });

  it('drops trailing CRLF and repeated line breaks, and keeps every other character', () => {
    const key = ' key with inner spaces\nand a line ';
    const config = loadConfig({
      ...production,
      JWT_SECRET: jwtSecret,
      STORAGE_DRIVER: 'supabase',
      SUPABASE_URL: 'https://p.supabase.co',
      SUPABASE_SERVICE_KEY_FILE: secretFile('key', `${key}\r\n\n`),
    });
    expect(config.storage).toMatchObject({ driver: 'supabase', serviceKey: key });
  });

  it('reads every secret setting this way: the database and Redis URIs, tokens and keys', () => {
    const values: Record<Exclude<(typeof secretSettings)[number], 'REDIS_PASSWORD' | 'REDIS_SENTINEL_PASSWORD'>, string> = {
      JWT_SECRET: jwtSecret,
      MONGODB_URI: 'mongodb://app:s3cret@db.internal:27017/english_practice?replicaSet=rs0',
      REDIS_URL: 'rediss://:s3cret@cache.internal:6380',
      METRICS_TOKEN: 'a-metrics-token-of-32-characters',
      SUPABASE_SERVICE_KEY: 'service-key',
      LLM_API_KEY: 'sk-test',
    };
    const files = Object.fromEntries(Object.entries(values).map(([name, value]) => [fileVariableOf(name), secretFile(name, `${value}\n`)]));
    const config = loadConfig({ ...production, ...files, STORAGE_DRIVER: 'supabase', SUPABASE_URL: 'https://p.supabase.co', LESSON_GENERATOR: 'openai' });
    expect(config.auth.jwtSecret).toBe(values.JWT_SECRET);
    expect(config.mongo.uri).toBe(values.MONGODB_URI);
    expect(config.redis.server).toEqual({ mode: 'standalone', url: values.REDIS_URL });
    expect(config.metrics.token).toBe(values.METRICS_TOKEN);
    expect(config.storage).toMatchObject({ serviceKey: values.SUPABASE_SERVICE_KEY });
    expect(config.lessons.llm.apiKey).toBe(values.LLM_API_KEY);
  });

  it("reads a Sentinel deployment's passwords this way: the data nodes' and the sentinels'", () => {
    const config = loadConfig({
      ...production,
      JWT_SECRET: jwtSecret,
      REDIS_URL: '',
      REDIS_SENTINELS: 'sentinel-1:26379,sentinel-2:26379,sentinel-3:26379',
      REDIS_SENTINEL_NAME: 'ep',
      REDIS_PASSWORD_FILE: secretFile('redis-password', 'data-n0de-password\n'),
      REDIS_SENTINEL_PASSWORD_FILE: secretFile('sentinel-password', 'sent1nel-password\n'),
    });
    expect(config.redis.server).toMatchObject({ mode: 'sentinel', name: 'ep', password: 'data-n0de-password', sentinelPassword: 'sent1nel-password' });
  });

  it('refuses NAME and NAME_FILE both set, naming both', () => {
    const load = (): unknown => loadConfig({ ...production, JWT_SECRET: jwtSecret, JWT_SECRET_FILE: secretFile('jwt', jwtSecret) });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/JWT_SECRET and JWT_SECRET_FILE are both set/);
  });

  it('takes an empty NAME as unset, so NAME_FILE applies', () => {
    expect(loadConfig({ ...production, JWT_SECRET: '', JWT_SECRET_FILE: secretFile('jwt', jwtSecret) }).auth.jwtSecret).toBe(jwtSecret);
  });

  it('stops on a file that does not exist, naming the variable and the path', () => {
    const path = join(folder, 'missing');
    expect(() => loadConfig({ ...production, MONGODB_URI_FILE: path, JWT_SECRET: jwtSecret })).toThrow(
      new ConfigError(`invalid environment: MONGODB_URI_FILE names a file that cannot be read (${path}: ENOENT)`),
    );
  });

  it('stops on a path that is a folder', () => {
    expect(() => loadConfig({ ...production, JWT_SECRET_FILE: folder })).toThrow(/JWT_SECRET_FILE names a file that cannot be read \(.*: EISDIR\)/);
  });

  it('stops on an empty file rather than running on a default (a secret that did not arrive)', () => {
    expect(() => loadConfig({ ...production, JWT_SECRET: jwtSecret, REDIS_URL_FILE: secretFile('redis', '\n') })).toThrow(/REDIS_URL_FILE names an empty file/);
  });

  it('names every bad file at once', () => {
    expect(() => loadConfig({ ...production, JWT_SECRET_FILE: join(folder, 'a'), REDIS_URL_FILE: join(folder, 'b') })).toThrow(
      /JWT_SECRET_FILE .*ENOENT.*; REDIS_URL_FILE .*ENOENT/,
    );
  });

  it('validates a value read from a file like any other, naming the file variable, never the value', () => {
    const load = (): unknown => loadConfig({ ...production, JWT_SECRET_FILE: secretFile('jwt', 'short-secret\n') });
    expect(load).toThrow(/JWT_SECRET \(read from JWT_SECRET_FILE\) must be at least 32 characters/);
    expect(load).not.toThrow(/short-secret/);
    expect(() => loadConfig({ ...production, JWT_SECRET: jwtSecret, MONGODB_URI_FILE: secretFile('mongo', 'http://db/x') })).toThrow(
      /MONGODB_URI \(read from MONGODB_URI_FILE\) must be a mongodb/,
    );
  });

  it('reads no file for a setting that is not a secret', () => {
    expect(loadConfig({ ...production, JWT_SECRET: jwtSecret, PORT_FILE: join(folder, 'missing') }).http.port).toBe(3000);
  });
});
