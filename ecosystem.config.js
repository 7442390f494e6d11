/**
 * PM2: `npx pm2 start ecosystem.config.js` (or `./scripts/stack up`).
 * Start PM2 through the project's own Node (npx / npm run pm2 put node_modules/.bin first on
 * PATH): in cluster mode every API process runs on the Node that runs the PM2 daemon.
 */
const path = require('node:path');

const shutdownTimeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS || 10000);

// The API runs behind Nginx (nginx/, ./scripts/stack up): the client address from Nginx's
// X-Forwarded-For (one trusted hop), gzip and the security headers at the edge; HOST is
// loopback by default. Defaults of the environment PM2 passes on, each overridable: an `env`
// block here would make PM2 stop taking the shell's variables on `reload --update-env` (a new
// MONGODB_URI would be ignored).
process.env.TRUST_PROXY_HOPS ||= '1';
process.env.HTTP_COMPRESSION ||= 'false';
process.env.SECURITY_HEADERS ||= 'edge';
const workerShutdownTimeoutMs = Number(process.env.WORKER_SHUTDOWN_TIMEOUT_MS || 30000);

module.exports = {
  apps: [
    {
      name: 'english-practice-api',
      script: path.join(__dirname, 'dist', 'server.js'),
      cwd: __dirname,
      exec_mode: 'cluster',
      // V8's heap: let the old generation grow to 4x what survived the last full collection and
      // skip the idle-time "memory reducer". Full collections (a 10-60 ms pause and marking that
      // takes the core for ~130 ms) then come every few minutes instead of 2-3 a minute, and each
      // one at 3,500 req/s on one core turned into a burst of 100-270 refusals at the edge
      // (bench/results/spike-bound.md, section 10). The price: 75-180 MB more per process (docs/operations.md).
      // The Dockerfile's CMD and deploy/kubernetes run the API with the same flags (a unit test
      // checks); NODE_OPTIONS cannot carry them.
      node_args: ['--heap-growing-percent=300', '--no-memory-reducer'],
      // One process per core by default; API_INSTANCES=2 (or any count) overrides.
      instances: process.env.API_INSTANCES || 'max',
      // The server sends 'ready' once it listens with the database connected, so a reload
      // replaces an old process only when its successor can serve.
      wait_ready: true,
      listen_timeout: 15000,
      // PM2 sends SIGINT, then SIGKILL after kill_timeout: leave the drain its full timeout.
      kill_timeout: shutdownTimeoutMs + 2000,
      max_memory_restart: process.env.API_MAX_MEMORY || '1G',
      // `npx pm2 start ecosystem.config.js --env production`. Without NODE_ENV the process
      // runs as production anyway: either way JWT_SECRET must be set or it exits naming it.
      env_production: { NODE_ENV: 'production' },
      exp_backoff_restart_delay: 100,
      merge_logs: true,
      log_date_format: '',
    },
    {
      // Queue workers: separate processes (fork mode, no port), sharing the queues in Redis.
      // Each takes WORKER_UPLOAD_CONCURRENCY uploads and WORKER_LESSON_CONCURRENCY lessons at once.
      name: 'english-practice-worker',
      script: path.join(__dirname, 'dist', 'worker.js'),
      cwd: __dirname,
      exec_mode: 'fork',
      instances: Number(process.env.WORKER_INSTANCES || 1),
      // WORKER_ID defaults to <host>-worker-<this index>-<pid>.
      instance_var: 'NODE_APP_INSTANCE',
      wait_ready: true,
      listen_timeout: 15000,
      // On SIGINT a worker takes no new jobs and lets running ones finish first.
      kill_timeout: workerShutdownTimeoutMs + 2000,
      max_memory_restart: process.env.WORKER_MAX_MEMORY || '1G',
      env_production: { NODE_ENV: 'production' },
      exp_backoff_restart_delay: 100,
      merge_logs: true,
      log_date_format: '',
    },
  ],
};
