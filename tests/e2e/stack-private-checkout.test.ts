import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import supertest from 'supertest';
import { tinyPng } from '../support/images';
import { registerLearner } from '../support/learners';
import { freePort } from '../support/ports';
import { projectRoot } from '../support/servers';

jest.setTimeout(300_000);

const run = promisify(execFile);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Processes whose working folder is `dir`. */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * `./scripts/stack up` as a new user runs it from a checkout only its owner may enter (a
 * `mktemp -d` folder; anything under /root): PostgreSQL (as the postgres user) and Nginx's
 * workers (as nobody) cannot go into it. Uploads up to the limits, avatars through Nginx, a
 * second `up`, and `down` leaving no server behind.
 */
const describeAsRoot = process.getuid?.() === 0 && !process.env.MONGODB_URI ? describe : describe.skip;

describeAsRoot('the local stack from a checkout in a private folder', () => {
  const owner = mkdtempSync(join(tmpdir(), 'ep-private-'));
  const checkout = join(owner, 'english-practice');
  let env: Record<string, string>;
  let edge: string;

  const stack = (command: 'up' | 'down'): Promise<{ stdout: string; stderr: string }> => {
    const running = run(join(checkout, 'scripts', 'stack'), [command], { cwd: checkout, env, maxBuffer: 16 * 1024 * 1024 });
    // As from a terminal that types nothing more: whatever reads stdin gets its end.
    running.child.stdin?.end();
    return running;
  };
  const pidOf = (name: string): number => Number(readFileSync(join(checkout, '.stack', name), 'utf8').trim());

  beforeAll(async () => {
    // The project's files as a clone has them (tracked and new, not ignored), in a 0700 folder.
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: projectRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files.filter((name) => existsSync(join(projectRoot, name)))) {
      mkdirSync(dirname(join(checkout, file)), { recursive: true });
      cpSync(join(projectRoot, file), join(checkout, file), { preserveTimestamps: true });
    }
    // What the clone would install, as hard links: the same files, and nothing the stack's
    // installers might do in the checkout can reach the project's own copies.
    for (const installed of ['node_modules', '.tools']) execFileSync('cp', ['-al', join(projectRoot, installed), join(checkout, installed)]);
    const [port, tls, api, redis, database, postgresql] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    // The user's environment (a registry's CA certificates, say), not jest's test mode.
    const userEnvironment = Object.fromEntries(Object.entries(process.env).filter(([name, value]) => name !== 'NODE_ENV' && value !== undefined));
    env = {
      ...(userEnvironment as Record<string, string>),
      PORT: String(port),
      STACK_TLS_PORT: String(tls),
      STACK_API_PORT: String(api),
      STACK_REDIS_PORT: String(redis),
      STACK_DB_PORT: String(database),
      STACK_POSTGRESQL_PORT: String(postgresql),
      STACK_LISTEN_HOST: '127.0.0.1',
      API_INSTANCES: '1',
    };
    edge = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await stack('down').catch(() => undefined);
    const fallback = join('/var/lib/english-practice', execFileSync('sha1sum', { input: checkout, encoding: 'utf8' }).slice(0, 12));
    rmSync(fallback, { recursive: true, force: true });
    rmSync(owner, { recursive: true, force: true });
  });

  it('serves uploads up to their limits and avatars through Nginx, reuses its database on a second up, and stops everything on down', async () => {
    const { stdout } = await stack('up');
    expect(stdout).toContain(`http://127.0.0.1:${env.PORT}/api`);
    // PostgreSQL's data had to go where the postgres user can reach it.
    const dataDir = /data in (\/var\/lib\/english-practice\/[0-9a-f]{12}\/postgresql)\)/.exec(stdout)?.[1];
    expect(dataDir).toBeDefined();
    expect(processesIn(dataDir!).length).toBeGreaterThan(1);

    const request = supertest(edge);
    const learner = await registerLearner(request);
    const auth = `Bearer ${learner.accessToken}`;

    // Just under DOCUMENT_MAX_BYTES: Nginx buffers such a body in its temporary folder.
    const document = Buffer.alloc(10 * 1024 * 1024 - 4096, 'Reading practice makes perfect. ');
    const uploaded = await request
      .post('/api/documents')
      .set('Authorization', auth)
      .attach('file', document, { filename: 'long.txt', contentType: 'text/plain' });
    expect(uploaded.status).toBe(202);

    const avatar = await request.put('/api/profiles/me/avatar').set('Authorization', auth).attach('avatar', tinyPng(), 'me.png').expect(200);
    const avatarUrl = (avatar.body as { avatarUrl: string }).avatarUrl;
    const fetched = await request.get(new URL(avatarUrl, edge).pathname).expect(200);
    expect(fetched.headers['content-type']).toBe('image/png');
    expect(fetched.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(
      Buffer.compare(fetched.body as Buffer, readFileSync(join(checkout, 'data', 'uploads', new URL(avatarUrl, edge).pathname.replace('/files/', '')))),
    ).toBe(0);

    // A second `up` keeps what runs: the same PostgreSQL, and the learner still signs in.
    const postgresqlPid = pidOf('postgresql.pid');
    const again = await stack('up');
    expect(again.stderr).toContain('postgresql already running');
    expect(pidOf('postgresql.pid')).toBe(postgresqlPid);
    await request.post('/api/auth/login').send({ email: learner.account.email, password: learner.password }).expect(200);

    const pids = ['postgresql.pid', 'ferretdb.pid', 'redis.pid', 'nginx/nginx.pid'].map(pidOf);
    await stack('down');
    expect(pids.filter(alive)).toEqual([]);
    // No PostgreSQL process of this cluster is left, its checkpointer and other helpers included:
    // each works in the cluster's folder.
    expect(processesIn(dataDir!)).toEqual([]);

    // `up` after `down` starts the same cluster again: nothing was lost.
    await stack('up');
    await request.post('/api/auth/login').send({ email: learner.account.email, password: learner.password }).expect(200);
  });
});
