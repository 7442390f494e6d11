import type { mongo } from 'mongoose';

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

/**
 * Asks the server once, at start-up, what it can do. FerretDB speaks the MongoDB wire
 * protocol but has no transactions, text or TTL indexes, $lookup or $facet; features that
 * need them choose their fallback from this answer.
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
    await db.collection(probeCollection).drop().catch(() => undefined);
  }
}
