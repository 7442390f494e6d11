import { migrate } from '../../src/database-indexes';
import { loadConfig } from '../../src/infra/config/config';
import { createDatabase } from '../../src/infra/db/database';
import { createLogger } from '../../src/infra/logger';

/** What `scripts/migrate` does, for a test's database: indexes, then the recorded capabilities. */
export async function migrateDatabase(uri: string): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_URI: uri, MONGODB_OPERATION_TIMEOUT_MS: '0', MONGODB_POOL_WAIT_TIMEOUT_MS: '0' });
  const database = createDatabase(config.mongo, createLogger(config));
  try {
    await database.connect();
    await migrate(database.connection);
  } finally {
    await database.close();
  }
}
