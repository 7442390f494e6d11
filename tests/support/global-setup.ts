import { startFerretDb, startRedis, type LocalServer } from './servers';

declare global {
  var sharedTestServers: LocalServer[] | undefined;
}

/**
 * One Redis and one database for the whole run, on free ports; each test file uses its
 * own database name and key prefix. MONGODB_URI, when set, replaces FerretDB.
 */
export default async function globalSetup(): Promise<void> {
  const servers: LocalServer[] = [];
  const redis = await startRedis();
  servers.push(redis);
  process.env.TEST_REDIS_URL = redis.url;
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URL = process.env.MONGODB_URI;
  } else {
    const database = await startFerretDb();
    servers.push(database);
    process.env.TEST_MONGODB_URL = database.url;
  }
  globalThis.sharedTestServers = servers;
}
