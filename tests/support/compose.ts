import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePortOutsideEphemeralRange } from './ports';
import { projectRoot } from './servers';

const run = promisify(execFile);

/** A deployment of docker-compose.yml under its own project name, ports and .env. */
export interface ComposeProject {
  readonly name: string;
  readonly url: string;
  readonly env: NodeJS.ProcessEnv;
  /** Holds its .env (a fresh JWT secret): removed by the test when it is done. */
  readonly directory: string;
}

/** Fails, saying why, when no Docker engine answers (scripts/test starts one). */
export async function requireDockerEngine(): Promise<void> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 20_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`no Docker engine answers (scripts/test installs docker.io and starts dockerd; run the tests through it): ${reason}`, { cause: error });
  }
}

/** .env.example with a fresh production secret, rate limits off (the load comes from one address). */
export async function composeProject(): Promise<ComposeProject> {
  const directory = mkdtempSync(join(tmpdir(), 'ep-compose-'));
  const envFile = join(directory, '.env');
  const settings = [
    `JWT_SECRET=${randomBytes(32).toString('hex')}`,
    // Every test client reaches Nginx through Docker's userland proxy, as one address.
    'RATE_LIMIT_ENABLED=false',
    'LOG_LEVEL=warn',
    // The load's signed-in requests use one token for the whole file.
    'ACCESS_TOKEN_TTL_SECONDS=3600',
  ];
  writeFileSync(envFile, `${readFileSync(join(projectRoot, '.env.example'), 'utf8')}\n${settings.join('\n')}\n`);
  const port = await freePortOutsideEphemeralRange();
  return {
    name: `eptest${process.pid}`,
    url: `http://127.0.0.1:${port}`,
    directory,
    env: {
      ...process.env,
      COMPOSE_PROJECT_NAME: `eptest${process.pid}`,
      ENV_FILE: envFile,
      NGINX_ADDRESS: '127.0.0.1',
      NGINX_PORT: String(port),
      NGINX_TLS_PORT: String(await freePortOutsideEphemeralRange()),
      NGINX_RATE_LIMITS: 'off',
    },
  };
}

/** ./scripts/compose with the project's settings; throws with the tail of its output on failure. */
export async function compose(project: ComposeProject, args: string[], timeoutMs = 600_000): Promise<string> {
  return deploymentScript('compose', project, args, timeoutMs);
}

/** scripts/NAME (compose, swarm) with the project's settings; throws with the tail of its output on failure. */
export async function deploymentScript(name: string, project: ComposeProject, args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout, stderr } = await run(join(projectRoot, 'scripts', name), args, {
      cwd: projectRoot,
      env: project.env,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/${name} ${args.join(' ')} failed: ${failed.message}\n${`${failed.stdout ?? ''}${failed.stderr ?? ''}`.slice(-3000)}`, {
      cause: error,
    });
  }
}

export async function docker(args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Container ids of one service, full length. */
export async function containersOf(project: ComposeProject, service: string): Promise<string[]> {
  const ids = await docker([
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project.name}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ]);
  return ids === '' ? [] : ids.split('\n');
}

export async function healthOf(container: string): Promise<string> {
  return docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', container]);
}

/** Everything of the project that Docker still holds: containers (any state) and networks. */
export async function leftovers(project: ComposeProject): Promise<string[]> {
  const label = `label=com.docker.compose.project=${project.name}`;
  const containers = await docker(['ps', '-aq', '--filter', label]);
  const networks = await docker(['network', 'ls', '-q', '--filter', label]);
  return [...containers.split('\n'), ...networks.split('\n')].filter((line) => line !== '');
}
