import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '../infra/config/config';
import { createDatabase, type Database } from '../infra/db/database';
import { errorText } from '../infra/error-text';
import { createLogger } from '../infra/logger';

/** The database for a one-shot command: connected within `timeoutMs`, or a clear failure. */
export async function connectForCli(timeoutMs = 15_000): Promise<Database> {
  const config = loadConfig(undefined, { needsSecrets: false, defaults: { LOG_LEVEL: 'warn' } });
  // One-shot commands (index builds, bulk inserts) may take longer than a request may.
  const database = createDatabase({ ...config.mongo, operationTimeoutMs: 0, poolWaitTimeoutMs: 0 }, createLogger(config));
  const connected = await Promise.race([database.connect().then(() => true), delay(timeoutMs, false, { ref: false })]);
  if (!connected) {
    await database.close();
    throw new Error(`could not reach the database at MONGODB_URI within ${timeoutMs / 1000}s`);
  }
  return database;
}

/** Runs a command, printing its failure as one line and exiting 1. */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`error: ${errorText(error)}\n`);
    process.exit(1);
  });
}
