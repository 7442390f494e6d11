import type { mongo } from 'mongoose';

type Db = mongo.Db;

export interface DatabaseCapabilities {
  engine: 'mongodb' | 'ferretdb';
  serverVersion: string;
  replicaSet: string | null;
  transactions: boolean;
  textSearch: boolean;
}

const probeCollection = '_capability_probe';

/**
 * Asks the server once, at start-up, what it can do. FerretDB speaks the MongoDB wire
 * protocol but has no transactions, text indexes, $lookup or $facet; features that need
 * them choose their fallback from this answer.
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
    textSearch: await supportsTextIndexes(db),
  };
}

async function supportsTextIndexes(db: Db): Promise<boolean> {
  try {
    await db.collection(probeCollection).createIndex({ probe: 'text' });
    return true;
  } catch {
    return false;
  } finally {
    await db.collection(probeCollection).drop().catch(() => undefined);
  }
}
