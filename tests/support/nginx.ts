import { selfSignedCertificate } from './self-signed';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';
import { projectRoot } from './servers';
import { portAccepts, waitFor } from './wait';

const run = promisify(execFile);

/** Nginx with the project's configuration (nginx/), rendered as `./scripts/stack up` renders it. */
/** What an API process behind our Nginx runs with (ecosystem.config.js and docker-compose.yml set the same). */
export const behindNginx = { TRUST_PROXY_HOPS: '1', HTTP_COMPRESSION: 'false', SECURITY_HEADERS: 'edge' };

export interface Nginx {
  readonly port: number;
  readonly tlsPort: number;
  readonly url: string;
  readonly prefix: string;
  /** Bytes Nginx wrote to its access log. */
  accessLogBytes(): number;
  /** The access log's lines, parsed (nginx/http.conf's ep_json format). */
  accessLog(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** The API's port on 127.0.0.1 (the PM2 cluster, or one process). */
  apiPort: number;
  storageDir?: string;
  rateLimits?: boolean;
  /**
   * Loopback addresses Nginx is to treat as public clients (a test has no other source address):
   * added to a copy of http.conf's `geo $ep_internal_client`, where the longest prefix wins.
   */
  publicAddresses?: string[];
  /** The in-flight bounds on /api requests (http.conf, overload); false: none; default: the renderer's. */
  inflight?: { all: number; reads: number; anonymous: number } | false;
}

function withPublicAddresses(conf: string, prefix: string, addresses: string[]): string {
  const shared = join(projectRoot, 'nginx', 'http.conf');
  const copy = join(prefix, 'http-public-addresses.conf');
  const text = readFileSync(shared, 'utf8').replace(/(geo \$ep_internal_client \{\n)/, `$1${addresses.map((address) => `  ${address}/32 0;\n`).join('')}`);
  writeFileSync(copy, text);
  return conf.replace(`include ${shared};`, `include ${copy};`);
}

function accessLogText(prefix: string): string {
  try {
    return readFileSync(join(prefix, 'logs', 'access.log'), 'utf8');
  } catch {
    return '';
  }
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'ep-nginx-'));
  // Nginx's workers run as an unprivileged user: they must reach the temp folders (bodies
  // over client_body_buffer_size are written there) and the avatars.
  chmodSync(prefix, 0o755);
  if (options.storageDir) chmodSync(options.storageDir, 0o755);
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'tmp'));
  const [port, tlsPort] = [await freePort(), await freePort()];
  const cert = join(prefix, 'cert.pem');
  const key = join(prefix, 'key.pem');
  await selfSignedCertificate(key, cert);
  const { stdout: conf } = await run(join(projectRoot, 'scripts', 'lib', 'render-nginx-conf'), [], {
    env: {
      PATH: process.env.PATH ?? '',
      API_ADDRESS: `127.0.0.1:${options.apiPort}`,
      NGINX_PREFIX: prefix,
      NGINX_LISTEN: `127.0.0.1:${port}`,
      NGINX_TLS_LISTEN: `127.0.0.1:${tlsPort}`,
      TLS_CERT: cert,
      TLS_KEY: key,
      STORAGE_DIR: options.storageDir ?? join(prefix, 'uploads'),
      NGINX_RATE_LIMITS: options.rateLimits === false ? 'off' : 'on',
      NGINX_SHEDDING: options.inflight === false ? 'off' : 'on',
      ...(options.inflight
        ? {
            NGINX_INFLIGHT_MAX: String(options.inflight.all),
            NGINX_INFLIGHT_READS_MAX: String(options.inflight.reads),
            NGINX_INFLIGHT_ANONYMOUS_MAX: String(options.inflight.anonymous),
          }
        : {}),
      NGINX_WORKERS: '1',
    },
  });
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, options.publicAddresses ? withPublicAddresses(conf, prefix, options.publicAddresses) : conf);
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', confPath, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('nginx to listen', async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    return portAccepts(port);
  });
  return {
    port,
    tlsPort,
    url: `http://127.0.0.1:${port}`,
    prefix,
    accessLogBytes: () => Buffer.byteLength(accessLogText(prefix)),
    accessLog: () =>
      accessLogText(prefix)
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
