import type { Connection, Model } from 'mongoose';
import type { DatabaseCapabilities } from '../infra/db/capabilities';
import { accountModel, accountTextIndex } from './accounts/account.model';
import { refreshTokenModel, refreshTokenTtlIndex } from './accounts/refresh-token.model';

export interface IndexReport {
  collection: string;
  created: string[];
  existing: string[];
}

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
  const optional = [
    { model: accountModel(connection), index: accountTextIndex, supported: capabilities.textSearch },
    { model: refreshTokenModel(connection), index: refreshTokenTtlIndex, supported: capabilities.ttlIndexes },
  ];
  const reports: IndexReport[] = [];
  for (const { model: typed, index, supported } of optional) {
    const model = typed as unknown as Model<never>;
    const before = await indexNames(model);
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
    if (supported) await model.collection.createIndex(index.fields, index.options);
    const after = await indexNames(model);
    reports.push({
      collection: model.collection.collectionName,
      created: [...after].filter((name) => !before.has(name)),
      existing: [...after].filter((name) => before.has(name)),
    });
  }
  return reports;
}
