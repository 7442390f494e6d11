import type { mongo } from 'mongoose';
import { isDuplicateKey } from './duplicate-key';

type Db = mongo.Db;

export interface DatabaseCapabilities {
  engine: 'mongodb' | 'ferretdb';
  serverVersion: string;
  replicaSet: string | null;
  transactions: boolean;
  textSearch: boolean;
  ttlIndexes: boolean;
}

const probeCollection = '_capability_probe';
/** Where `scripts/migrate` records the answer, for every process to read. */
const metaCollection = '_meta';
const capabilitiesId = 'capabilities';

/**
 * Asks the server what it can do; `scripts/migrate` does, once, and records the answer. It
 * creates and drops a probe collection, so processes never run it: racing each other, some
 * could see a failure and rank search differently under the same cache key. FerretDB speaks
 * the MongoDB wire protocol but has no transactions, text or TTL indexes, $lookup or $facet;
 * features that need them choose their fallback from this answer.
 */
export async function detectCapabilities(db: Db): Promise<DatabaseCapabilities> {
  const [hello, buildInfo] = await Promise.all([db.command({ hello: 1 }), db.command({ buildInfo: 1 })]);
  const ferretdbVersion: unknown = buildInfo.ferretdbVersion;
  const engine = ferretdbVersion === undefined ? 'mongodb' : 'ferretdb';
  const replicaSet = typeof hello.setName === 'string' ? hello.setName : null;
  const sharded = hello.msg === 'isdbgrid';
  return {
    engine,
    serverVersion: String(ferretdbVersion ?? buildInfo.version),
    replicaSet,
    transactions: engine === 'mongodb' && (replicaSet !== null || sharded),
    textSearch: await canCreateIndex(db, { probe: 'text' }),
    ttlIndexes: await canCreateIndex(db, { expiresAt: 1 }, { expireAfterSeconds: 60 }),
  };
}

async function canCreateIndex(db: Db, keys: Record<string, 1 | 'text'>, options: Record<string, unknown> = {}): Promise<boolean> {
  try {
    await db.collection(probeCollection).createIndex(keys, options);
    return true;
  } catch {
    return false;
  } finally {
    await db
      .collection(probeCollection)
      .drop()
      .catch(() => undefined);
  }
}

export async function recordCapabilities(db: Db, capabilities: DatabaseCapabilities): Promise<void> {
  const record = (): Promise<unknown> =>
    db.collection<{ _id: string }>(metaCollection).replaceOne({ _id: capabilitiesId }, { ...capabilities, recordedAt: new Date() }, { upsert: true });
  try {
    await record();
  } catch (error) {
    // Two migrations racing: both upserts inserted, one lost on the _id; now it replaces.
    if (!isDuplicateKey(error)) throw error;
    await record();
  }
}

/** What migrate recorded; null before the first migration. */
export async function recordedCapabilities(db: Db): Promise<DatabaseCapabilities | null> {
  const recorded = await db.collection<{ _id: string } & DatabaseCapabilities>(metaCollection).findOne({ _id: capabilitiesId });
  if (recorded === null) return null;
  const { engine, serverVersion, replicaSet, transactions, textSearch, ttlIndexes } = recorded;
  return { engine, serverVersion, replicaSet, transactions, textSearch, ttlIndexes };
}
