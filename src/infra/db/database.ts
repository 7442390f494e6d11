import { setTimeout as delay } from 'node:timers/promises';
import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../config/config';
import { errorText } from '../error-text';
import type { Logger } from '../logger';
import { withRunningTimeout } from '../with-timeout';
import { serverTypes, trackAvailability } from './availability';
import { recordedCapabilities, type DatabaseCapabilities } from './capabilities';
import { gateTransitions, type GateCause } from './gate-transitions';
import { PoolMonitor, type PoolStatistics } from './pool-monitor';
import { checkSchema, type RequiredIndex } from './schema-check';

const { MongoClient } = mongoose.mongo;

/** How often each process checks that the database still answers. */
const availabilityPingMs = 1000;
/** How long start-up waits for the pool's minimum of connections, and how often it looks. */
const poolWarmUpMs = 3000;
const poolWarmUpPollMs = 20;

// Strict filters everywhere: unknown query fields are dropped and `$`-operators in
// user-supplied filter values are refused instead of being run.
mongoose.set('strictQuery', true);
mongoose.set('sanitizeFilter', true);
// Indexes and collections are created by `scripts/migrate`, never by API processes racing at start-up.
mongoose.set('autoIndex', false);
mongoose.set('autoCreate', false);

export type ReadPreferenceMode = Config['mongo']['readPreference'];

export interface Database {
  /** The mongoose connection models are registered on; usable once `connect()` resolved. */
  readonly connection: Connection;
  /** Read preference for reads that tolerate staleness (search, stats, public profiles). */
  readonly staleReadPreference: ReadPreferenceMode;
  /** What `scripts/migrate` recorded; null until read (or before the first migration). */
  capabilities(): DatabaseCapabilities | null;
  /**
   * Tries until connected (and, with `requiredIndexes`, the schema checked) or closed; never
   * rejects, so start-up survives a database that is down or not migrated yet.
   */
  connect(): Promise<void>;
  /** Why the process cannot use the database although it answers (not migrated); else null. */
  schemaProblem(): string | null;
  /** A server that stale-tolerant reads may use answers (during an election: a secondary). */
  canRead(): boolean;
  /** A primary answers: writes and primary reads can go. */
  canWrite(): boolean;
  /** Same as canRead: the process can serve something from the database. */
  isConnected(): boolean;
  /** Round-trip time in ms; rejects when the database does not answer within `timeoutMs`. */
  ping(timeoutMs: number): Promise<number>;
  pool(): PoolStatistics;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Indexes correctness needs: connect() waits until they exist (API processes). */
  requiredIndexes?: RequiredIndex[];
}

// What a hung database (sockets open, nothing answers) may cost a request, by design under 3 s
// (docs/operations.md, Degradation). The gate in front of /api answers 503 at once from when the
// ping below fails (at most 2 s in); a request that passed it before spends, in one operation,
// at most the wait for a pooled connection, its set-up included (MONGODB_POOL_WAIT_TIMEOUT_MS,
// 0.5 s), plus the answer (MONGODB_OPERATION_TIMEOUT_MS, 2 s): 2.5 s by default. Server
// selection waits (up to 2 s) only for a server already marked down, and then the operation
// goes no further, so it does not add to those. The driver's retries would run a second
// operation after a timeout on the same hung server (a timeout does not mark it down): without
// them a request fails once, with 503 and Retry-After, and the client retries (figures:
// docs/design-decisions.md, measured costs).
function mongoClient(config: Config['mongo']): InstanceType<typeof MongoClient> {
  return new MongoClient(config.uri, {
    maxPoolSize: config.poolMax,
    minPoolSize: config.poolMin,
    serverSelectionTimeoutMS: config.serverSelectionTimeoutMs,
    connectTimeoutMS: config.serverSelectionTimeoutMs,
    heartbeatFrequencyMS: 2000,
    // 0 (one-shot commands): no bound.
    socketTimeoutMS: config.operationTimeoutMs,
    waitQueueTimeoutMS: config.poolWaitTimeoutMs,
    writeConcern: { w: 'majority' },
    retryWrites: false,
    retryReads: false,
    appName: 'english-practice-api',
  });
}

/**
 * Waits (bounded) until the pool holds its minimum of connections, which the driver opens in
 * the background, before the process counts as connected and so ready. A replica that joins the
 * edge's upstream under traffic, at a rollout or a scale-up, would otherwise open them on its
 * first requests, at most two at a time (the driver's maxConnecting), each request waiting for
 * a connection's set-up and authentication within MONGODB_POOL_WAIT_TIMEOUT_MS on a box busy
 * starting it.
 */
async function warmPool(monitor: PoolMonitor, minimum: number, log: Logger): Promise<void> {
  const deadline = Date.now() + poolWarmUpMs;
  while (monitor.establishedConnections() < minimum && Date.now() < deadline) await delay(poolWarmUpPollMs);
  const established = monitor.establishedConnections();
  if (established < minimum) log.warn({ established, minimum, waitedMs: poolWarmUpMs }, 'the connection pool is below its minimum; ready anyway');
}

/** Pings the server stale-tolerant reads use, and remembers whether the last ping succeeded. */
function pinger(client: InstanceType<typeof MongoClient>, readPreference: ReadPreferenceMode, settled: (cause: GateCause) => void) {
  const state = {
    succeeded: false,
    async ping(timeoutMs: number): Promise<number> {
      const started = performance.now();
      // Where stale-tolerant reads go: during an election a secondary still answers.
      const failure = await withRunningTimeout(client.db().command({ ping: 1 }, { readPreference }), timeoutMs, 'database ping').then(
        () => null,
        (error: unknown) => ({ error }),
      );
      const tookMs = performance.now() - started;
      state.succeeded = failure === null;
      settled({ by: 'ping', tookMs: Math.round(tookMs), ...(failure && { error: errorText(failure.error) }) });
      if (failure) throw failure.error;
      return tookMs;
    },
  };
  return state;
}

/** Pings every `availabilityPingMs` while `active`, one ping at a time, each with that time limit (of running time: withRunningTimeout). */
function keepPinging(ping: (timeoutMs: number) => Promise<number>, active: () => boolean): NodeJS.Timeout {
  let pinging = false;
  const timer = setInterval(() => {
    if (!active() || pinging) return;
    pinging = true;
    ping(availabilityPingMs)
      .catch(() => undefined)
      .finally(() => (pinging = false));
  }, availabilityPingMs);
  return timer.unref();
}

export function createDatabase(config: Config['mongo'], logger: Logger, options: DatabaseOptions = {}): Database {
  const log = logger.child({ component: 'mongodb' });
  const client = mongoClient(config);
  const monitor = new PoolMonitor(client, { max: config.poolMax, min: config.poolMin });
  const connection = mongoose.createConnection();
  connection.set('bufferCommands', false);
  let capabilities: DatabaseCapabilities | null = null;
  let schemaProblem: string | null = null;
  let attached = false;
  let closed = false;
  // The driver's monitor updates this on every heartbeat and connection error; the ping
  // below also catches a server that hangs with its sockets open.
  const availability = trackAvailability(client, config.readPreference, (topology) => gateChanged({ by: 'topology', servers: serverTypes(topology) }));
  const pings = pinger(client, config.readPreference, (cause) => gateChanged(cause));
  const canRead = (): boolean => attached && availability().readable && pings.succeeded;
  const canWrite = (): boolean => attached && availability().writable && pings.succeeded;
  const gateChanged = gateTransitions(log, () => ({ readable: canRead(), writable: canWrite() }));
  const ping = (timeoutMs: number): Promise<number> => pings.ping(timeoutMs);

  const availabilityMonitor = keepPinging(ping, () => attached);

  async function connect(): Promise<void> {
    for (let attempt = 1; !closed; attempt++) {
      try {
        await client.connect();
        if (options.requiredIndexes) {
          const check = await checkSchema(client.db(), options.requiredIndexes);
          capabilities = check.capabilities;
          if (check.problem !== null) {
            if (schemaProblem !== check.problem) log.error({ reason: check.problem }, 'not ready: the database schema is not what this release needs');
            schemaProblem = check.problem;
            await delay(config.connectRetryMs);
            continue;
          }
          schemaProblem = null;
        } else {
          capabilities = await recordedCapabilities(client.db());
        }
        if (closed) return;
        await warmPool(monitor, config.poolMin, log);
        if (closed) return;
        connection.setClient(client);
        attached = true;
        pings.succeeded = true;
        gateChanged({ by: 'connected' });
        log.info({ capabilities, pool: { max: config.poolMax, min: config.poolMin } }, 'connected to the database');
        return;
      } catch (error) {
        if (closed) return;
        log.warn({ err: error, attempt }, 'database unreachable; retrying');
        await delay(config.connectRetryMs);
      }
    }
  }

  return {
    connection,
    staleReadPreference: config.readPreference,
    capabilities: () => capabilities,
    connect,
    schemaProblem: () => schemaProblem,
    canRead,
    canWrite,
    isConnected: canRead,
    ping,
    pool: () => monitor.statistics(),
    async close() {
      closed = true;
      clearInterval(availabilityMonitor);
      await connection.close().catch(() => undefined);
      await client.close();
    },
  };
}
