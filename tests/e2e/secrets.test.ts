import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentJwtSecret } from '../../src/infra/config/schema';
import { spawnApi, spawnReadyApi } from '../support/api-process';
import { migrateDatabase } from '../support/migrate';
import { freePort } from '../support/ports';
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
