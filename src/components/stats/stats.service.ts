import type { Connection, Model } from 'mongoose';
import type { Cache } from '../../infra/cache/cache';
import type { ReadPreferenceMode } from '../../infra/db/database';
import type { Account } from '../accounts/account.model';
import { cefrLevels, type CefrLevel } from '../profiles/profile.schema';

export interface Stats {
  learners: { total: number; byLevel: Record<CefrLevel | 'unknown', number> };
  documentsProcessed: number;
  lessonsGenerated: number;
  practiceAttempts: number;
  averageScore: number | null;
  generatedAt: string;
}

/** Collections of the documents and lessons components; empty until those have data. */
export const statsSources = { documents: 'documents', lessons: 'lessons', attempts: 'attempts' } as const;

export interface StatsServiceDependencies {
  accounts: Model<Account>;
  connection: Connection;
  cache: Cache;
  staleReadPreference: ReadPreferenceMode;
}

export function createStatsService(deps: StatsServiceDependencies) {
  const { accounts, connection } = deps;
  const read = deps.staleReadPreference;

  /** Every figure is computed by the database ($group / counts), never by loading documents. */
  async function compute(): Promise<Stats> {
    const attempts = connection.collection(statsSources.attempts);
    const [levels, documentsProcessed, lessonsGenerated, practiceAttempts, scores] = await Promise.all([
      accounts.aggregate<{ _id: CefrLevel | null; count: number }>([{ $group: { _id: '$profile.level', count: { $sum: 1 } } }]).read(read),
      connection.collection(statsSources.documents).countDocuments({ status: 'ready' }),
      connection.collection(statsSources.lessons).countDocuments({}),
      attempts.countDocuments({}),
      // One accumulator per $group and $sum rather than $avg: FerretDB 1.24 has no $avg and
      // returns 0 for the second of two $sum accumulators in one $group.
      attempts.aggregate<{ scoreTotal: number }>([{ $group: { _id: null, scoreTotal: { $sum: '$score' } } }]).toArray(),
    ]);
    const byLevel = Object.fromEntries([...cefrLevels, 'unknown'].map((level) => [level, 0])) as Stats['learners']['byLevel'];
    for (const { _id, count } of levels) byLevel[_id ?? 'unknown'] += count;
    return {
      learners: { total: levels.reduce((sum, entry) => sum + entry.count, 0), byLevel },
      documentsProcessed,
      lessonsGenerated,
      practiceAttempts,
      averageScore: practiceAttempts > 0 ? Math.round(((scores[0]?.scoreTotal ?? 0) / practiceAttempts) * 10) / 10 : null,
      generatedAt: new Date().toISOString(),
    };
  }

  return {
    /** Cached for CACHE_TTL_STATS_SECONDS and not invalidated per write: `generatedAt` says how old. */
    getStats: (): Promise<Stats> => deps.cache.getOrLoad('stats', 'all', compute),
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
