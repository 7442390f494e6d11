import type { CreateIndexesOptions, IndexSpecification } from 'mongodb';
import type { Connection, Model } from 'mongoose';
import { detectCapabilities, recordCapabilities, type DatabaseCapabilities } from './infra/db/capabilities';
import type { RequiredIndex } from './infra/db/schema-check';
import { accountModel, accountTextIndex, refreshTokenModel, refreshTokenTtlIndex } from './components/learners';
import { documentModel } from './components/documents';
import { lessonModel } from './components/lessons';
import { attemptModel } from './components/practice';

/**
 * The indexes correctness depends on (unique constraints), which API processes check at
 * start-up: without them they refuse readiness with the reason.
 */
export const requiredIndexes: RequiredIndex[] = [
  { collection: 'accounts', name: 'email_unique', guards: 'one account per e-mail' },
  { collection: 'refresh_tokens', name: 'one_successor', guards: 'atomic refresh-token reuse detection' },
];

export interface IndexReport {
  collection: string;
  created: string[];
  existing: string[];
}

interface IndexedModel {
  model: Model<never>;
  /** An index only some servers support (text, TTL), created where `supported`. */
  optional?: { index: { fields: IndexSpecification; options: CreateIndexesOptions }; supported: boolean };
}

/** Index work does not depend on the document type. */
const untyped = <T>(model: Model<T>): Model<never> => model as unknown as Model<never>;

async function indexNames(model: Model<never>): Promise<Set<string>> {
  const indexes: { name?: unknown }[] = await model.collection
    .listIndexes()
    .toArray()
    .catch(() => []);
  return new Set(indexes.map((index) => String(index.name)));
}

/**
 * Creates every declared index, and the text and TTL indexes where the server supports
 * them. Idempotent: existing indexes are left alone. Run by `scripts/migrate`, not at API
 * start-up, so several replicas never race to build the same index.
 */
export async function ensureIndexes(connection: Connection, capabilities: DatabaseCapabilities): Promise<IndexReport[]> {
  const models: IndexedModel[] = [
    { model: untyped(accountModel(connection)), optional: { index: accountTextIndex, supported: capabilities.textSearch } },
    { model: untyped(refreshTokenModel(connection)), optional: { index: refreshTokenTtlIndex, supported: capabilities.ttlIndexes } },
    { model: untyped(documentModel(connection)) },
    { model: untyped(lessonModel(connection)) },
    { model: untyped(attemptModel(connection)) },
  ];
  const reports: IndexReport[] = [];
  for (const { model, optional } of models) {
    const before = await indexNames(model);
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
    if (optional?.supported) await model.collection.createIndex(optional.index.fields, optional.index.options);
    const after = await indexNames(model);
    reports.push({
      collection: model.collection.collectionName,
      created: [...after].filter((name) => !before.has(name)),
      existing: [...after].filter((name) => before.has(name)),
    });
  }
  return reports;
}

/**
 * The migration: asks the server what it supports (this creates and drops a probe
 * collection, so it runs here and never in a serving process), creates the indexes, then
 * records the capabilities for every process to read.
 */
export async function migrate(connection: Connection): Promise<{ capabilities: DatabaseCapabilities; reports: IndexReport[] }> {
  const db = connection.db;
  if (!db) throw new Error('migrate needs a connected database');
  const capabilities = await detectCapabilities(db);
  const reports = await ensureIndexes(connection, capabilities);
  await recordCapabilities(db, capabilities);
  return { capabilities, reports };
}
