import type { CreateIndexesOptions, IndexSpecification } from 'mongodb';
import type { Connection, Model } from 'mongoose';
import type { DatabaseCapabilities } from '../infra/db/capabilities';
import { accountModel, accountTextIndex } from './accounts/account.model';
import { refreshTokenModel, refreshTokenTtlIndex } from './accounts/refresh-token.model';
import { documentModel } from './documents/document.model';
import { lessonModel } from './lessons/lesson.model';
import { attemptModel } from './practice/attempt.model';

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
  const indexes: { name?: unknown }[] = await model.collection.listIndexes().toArray().catch(() => []);
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
