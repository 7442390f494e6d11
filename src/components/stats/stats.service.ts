import type { Connection, Model } from 'mongoose';
import type { Cache } from '../../infra/cache/cache';
import type { ReadPreferenceMode } from '../../infra/db/database';
import type { Account, SearchIndex } from '../learners';
import { cefrLevels, type CefrLevel } from '../../shared/cefr-levels';

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
  /** Counts learners where the database would scan every account to group them (FerretDB). */
  searchIndex: Pick<SearchIndex, 'levelCounts'>;
}

export function createStatsService(deps: StatsServiceDependencies) {
  const { accounts, connection } = deps;
  const read = deps.staleReadPreference;

  async function learners(): Promise<Stats['learners']> {
    const counted = await deps.searchIndex.levelCounts(cefrLevels);
    if (counted) {
      const known = Object.values<number>(counted.byLevel).reduce((sum, count) => sum + count, 0);
      return { total: counted.total, byLevel: { ...counted.byLevel, unknown: counted.total - known } };
    }
    const levels = await accounts.aggregate<{ _id: CefrLevel | null; count: number }>([{ $group: { _id: '$profile.level', count: { $sum: 1 } } }]).read(read);
    const byLevel = Object.fromEntries([...cefrLevels, 'unknown'].map((level) => [level, 0])) as Stats['learners']['byLevel'];
    for (const { _id, count } of levels) byLevel[_id ?? 'unknown'] += count;
    return { total: levels.reduce((sum, entry) => sum + entry.count, 0), byLevel };
  }

  /** Every figure is computed by the database ($group / counts) or the search index, never by loading documents. */
  async function compute(): Promise<Stats> {
    const attempts = connection.collection(statsSources.attempts);
    const [learnerCounts, documentsProcessed, lessonsGenerated, practiceAttempts, scores] = await Promise.all([
      learners(),
      connection.collection(statsSources.documents).countDocuments({ status: 'ready' }),
      connection.collection(statsSources.lessons).countDocuments({}),
      attempts.countDocuments({}),
      // One accumulator per $group and $sum rather than $avg: FerretDB 1.24 has no $avg and
      // returns 0 for the second of two $sum accumulators in one $group.
      attempts.aggregate<{ scoreTotal: number }>([{ $group: { _id: null, scoreTotal: { $sum: '$score' } } }]).toArray(),
    ]);
    return {
      learners: learnerCounts,
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
