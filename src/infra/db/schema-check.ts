import type { mongo } from 'mongoose';
import { recordedCapabilities, type DatabaseCapabilities } from './capabilities';

/** An index that correctness depends on (a unique constraint), not just speed. */
export interface RequiredIndex {
  collection: string;
  name: string;
  /** What goes wrong without it, for the operator reading the reason. */
  guards: string;
}

export type SchemaCheck = { capabilities: DatabaseCapabilities; problem: null } | { capabilities: DatabaseCapabilities | null; problem: string };

/**
 * Reads what `scripts/migrate` recorded and checks that the indexes correctness needs exist.
 * Read-only: a process never creates an index or a collection.
 */
export async function checkSchema(db: mongo.Db, required: RequiredIndex[]): Promise<SchemaCheck> {
  const capabilities = await recordedCapabilities(db);
  if (capabilities === null) return { capabilities, problem: 'the database was never migrated: run scripts/migrate' };
  const missing: string[] = [];
  for (const index of required) {
    const names = await db
      .collection(index.collection)
      .listIndexes()
      .toArray()
      .then((found: { name?: unknown }[]) => found.map((entry) => String(entry.name)))
      // A collection that does not exist has no indexes.
      .catch((): string[] => []);
    if (!names.includes(index.name)) missing.push(`${index.collection}.${index.name} (${index.guards})`);
  }
  if (missing.length > 0) return { capabilities, problem: `missing indexes: ${missing.join(', ')}; run scripts/migrate` };
  return { capabilities, problem: null };
}
