import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { developmentJwtSecret } from '../../src/infra/config/schema';
import { spawnApi, spawnReadyApi, startApiProcess } from '../support/api-process';
import { registerLearner } from '../support/learners';
import { migrateDatabase } from '../support/migrate';
import { behindNginx, startNginx } from '../support/nginx';
import { freePort } from '../support/ports';
import { rawRequest } from '../support/raw-http';
import { projectRoot } from '../support/servers';
import { testEnvironment } from '../support/test-env';

/** The test environment as a deployment would have it: no NODE_ENV unless given. */
function deployedEnvironment(overrides: Record<string, string>): Record<string, string> {
  const env = testEnvironment(overrides);
  if (!('NODE_ENV' in overrides)) delete env.NODE_ENV;
  return env;
}

describe('start-up without a real JWT secret', () => {
  it.each([
    ['NODE_ENV unset (as under a bare `pm2 start`)', {}],
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['NODE_ENV=production with the committed development secret', { NODE_ENV: 'production', JWT_SECRET: developmentJwtSecret }],
    ['NODE_ENV=development without a secret (a stack that made none)', { NODE_ENV: 'development' }],
    ['NODE_ENV=development with the committed development secret', { NODE_ENV: 'development', JWT_SECRET: developmentJwtSecret }],
  ])('the API exits 1 with one line naming JWT_SECRET: %s', async (_case, overrides: Record<string, string>) => {
    const started = spawnApi(deployedEnvironment({ PORT: String(await freePort()), ...overrides }));
    expect(await started.exitCode).toBe(1);
    const lines = started.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^english-practice-api: invalid environment: JWT_SECRET must be set/);
  });

  it('the queue worker refuses to start as well', async () => {
    const worker = spawn(process.execPath, [join(projectRoot, 'dist', 'worker.js')], {
      env: { PATH: process.env.PATH ?? '', ...deployedEnvironment({}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => worker.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/JWT_SECRET must be set/);
  });
});

/** Every JWT secret written in the repository: the development one and any literal given to JWT_SECRET. */
function secretsInTheRepository(): string[] {
  const lines = execFileSync('git', ['grep', '-h', '-E', 'JWT_SECRET'], { cwd: projectRoot, encoding: 'utf8' });
  const literals = [...lines.matchAll(/JWT_SECRET['"]?\s*[:=]\s*['"]?([^'"\s,}]{32,})/g)].map((match) => match[1]!);
  return [...new Set([developmentJwtSecret, ...literals])];
}

describe("the local stack's secret (issue 30, finding 1)", () => {
  it('`stack up` makes a random secret once, readable by its owner only, and keeps it', () => {
    const stackDir = mkdtempSync(join(tmpdir(), 'ep-stack-'));
    try {
      // The function of scripts/stack itself, run alone.
      const stack = readFileSync(join(projectRoot, 'scripts', 'stack'), 'utf8');
      const ensureSecret = /^ensure_jwt_secret\(\) \{\n[\s\S]*?^\}$/m.exec(stack)?.[0];
      expect(ensureSecret).toBeDefined();
      const run = (): string =>
        execFileSync(
          'bash',
          ['-c', `set -euo pipefail; say() { echo "$*"; }; die() { echo "$*" >&2; exit 1; }; STACK_DIR='${stackDir}'\n${ensureSecret!}\nensure_jwt_secret`],
          { encoding: 'utf8' },
        );
      expect(run()).toContain(join(stackDir, 'jwt-secret'));
      const secret = readFileSync(join(stackDir, 'jwt-secret'), 'utf8').trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(stackDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
      expect(run()).toBe('');
      expect(readFileSync(join(stackDir, 'jwt-secret'), 'utf8').trim()).toBe(secret);
      expect(secretsInTheRepository()).not.toContain(secret);
    } finally {
      rmSync(stackDir, { recursive: true, force: true });
    }
  });

  it('`stack up` has Nginx listen on loopback unless STACK_LISTEN_HOST says otherwise, and names where the secret lives', () => {
    const stack = readFileSync(join(projectRoot, 'scripts', 'stack'), 'utf8');
    expect(stack).toMatch(/^LISTEN_HOST="\$\{STACK_LISTEN_HOST:-127\.0\.0\.1\}"$/m);
    expect(stack).toMatch(/^ {2}secret {3}\$JWT_SECRET_FILE/m);
    expect(stack).toMatch(/^export JWT_SECRET="\\\$\(cat '\$JWT_SECRET_FILE'\)"$/m);
  });

  it('refuses, through Nginx, a token signed with any secret in the repository, whatever account and tier it claims', async () => {
    const stackSecret = execFileSync('openssl', ['rand', '-hex', '32'], { encoding: 'utf8' }).trim();
    const api = await startApiProcess({ ...behindNginx, NODE_ENV: 'development', JWT_SECRET: stackSecret });
    const edge = await startNginx({ apiPort: api.port });
    try {
      const supertest = (await import('supertest')).default;
      const victim = await registerLearner(supertest(edge.url));
      const me = (token: string) => rawRequest(`${edge.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect((await me(victim.accessToken)).status).toBe(200);
      const secrets = secretsInTheRepository();
      expect(secrets.length).toBeGreaterThanOrEqual(1);
      for (const secret of secrets) {
        const forged = jwt.sign({ tier: 'enterprise' }, secret, {
          algorithm: 'HS256',
          subject: victim.account.id,
          expiresIn: 600,
          issuer: 'english-practice',
          audience: 'english-practice-api',
        });
        const response = await me(forged);
        expect({ secret, status: response.status, code: (JSON.parse(response.body) as { error: { code: string } }).error.code }).toEqual({
          secret,
          status: 401,
          code: 'INVALID_TOKEN',
        });
      }
    } finally {
      await edge.stop();
      api.child.kill('SIGTERM');
      await api.exitCode;
    }
  });
});

describe('secrets given as files (the Docker and Kubernetes way)', () => {
  let folder: string;
  beforeAll(() => (folder = mkdtempSync(join(tmpdir(), 'ep-secret-files-'))));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('the API starts in production with JWT_SECRET_FILE and the database URI from MONGODB_URI_FILE', async () => {
    const port = await freePort();
    const { MONGODB_URI: databaseUri, ...env } = deployedEnvironment({ NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1' });
    await migrateDatabase(databaseUri!);
    const jwtFile = join(folder, 'jwt-secret');
    const mongoFile = join(folder, 'mongodb-uri');
    writeFileSync(jwtFile, `${'s'.repeat(40)}\n`);
    writeFileSync(mongoFile, `${databaseUri}\n`);
    const api = await spawnReadyApi({ ...env, JWT_SECRET_FILE: jwtFile, MONGODB_URI_FILE: mongoFile }, port);
    api.child.kill('SIGTERM');
    expect(await api.exitCode).toBe(0);
    expect(api.output()).not.toContain(databaseUri);
  });

  it('the API exits 1 with one line naming the variable whose file cannot be read', async () => {
    const missing = join(folder, 'not-mounted');
    const started = spawnApi(deployedEnvironment({ NODE_ENV: 'production', PORT: String(await freePort()), JWT_SECRET_FILE: missing }));
    expect(await started.exitCode).toBe(1);
    expect(started.output().trim()).toBe(`english-practice-api: invalid environment: JWT_SECRET_FILE names a file that cannot be read (${missing}: ENOENT)`);
  });
});
