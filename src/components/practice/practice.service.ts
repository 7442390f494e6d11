import { Types, type Model, type PipelineStage } from 'mongoose';
import { findOwned } from '../../infra/db/find-owned';
import { NotFoundError, ValidationError } from '../../infra/errors/app-error';
import type { LessonRecord } from '../lessons';
import type { Attempt } from './attempt.model';
import { scoreAttempt, type Answer } from './scoring';
import { cefrLevels, type CefrLevel } from '../../shared/cefr-levels';

export interface PracticeServiceDependencies {
  lessons: Model<LessonRecord>;
  attempts: Model<Attempt>;
}

interface Tally {
  attempts: number;
  averageScore: number | null;
}

const dayOf = (date: Date): string => date.toISOString().slice(0, 10);
const average = (sum: number, count: number): number | null => (count === 0 ? null : Math.round((sum / count) * 10) / 10);

export function createPracticeService(deps: PracticeServiceDependencies) {
  const { lessons, attempts } = deps;

  /**
   * Attempts and score totals per value of `field`, computed by the database. One
   * accumulator per $group: FerretDB 1.24 returns 0 for a second $sum in the same $group.
   */
  async function countAndSumBy(match: PipelineStage.Match['$match'], field: 'level' | 'day'): Promise<Map<string, { count: number; sum: number }>> {
    const [counts, sums] = await Promise.all([
      attempts.aggregate<{ _id: string; value: number }>([{ $match: match }, { $group: { _id: `$${field}`, value: { $sum: 1 } } }]),
      attempts.aggregate<{ _id: string; value: number }>([{ $match: match }, { $group: { _id: `$${field}`, value: { $sum: '$score' } } }]),
    ]);
    const sumOf = new Map(sums.map((entry) => [entry._id, entry.value]));
    return new Map(counts.map((entry) => [entry._id, { count: entry.value, sum: sumOf.get(entry._id) ?? 0 }]));
  }

  return {
    async submit(ownerId: string, lessonId: string, answers: { exerciseId: string; answer: Answer }[]) {
      const lesson = await findOwned(lessons, lessonId, ownerId, ['exercises', 'level']);
      if (!lesson) throw new NotFoundError('No such lesson');
      const byExercise = new Map<string, Answer>();
      for (const { exerciseId, answer } of answers) {
        if (byExercise.has(exerciseId)) throw new ValidationError(`Exercise ${exerciseId} is answered twice`);
        if (!lesson.exercises.some((exercise) => exercise.id === exerciseId)) throw new ValidationError(`The lesson has no exercise ${exerciseId}`);
        byExercise.set(exerciseId, answer);
      }
      const score = scoreAttempt(lesson.exercises, byExercise);
      const now = new Date();
      const attempt = await attempts.create({
        ownerId,
        lessonId,
        level: lesson.level,
        score: score.score,
        correct: score.correct,
        total: score.total,
        day: dayOf(now),
      });
      return { attemptId: attempt._id.toHexString(), lessonId, ...score, createdAt: now.toISOString() };
    },

    /** Attempts and average score overall, by lesson level, and per day over the last `days` days. */
    async progress(ownerId: string, days: number) {
      const owner = new Types.ObjectId(ownerId);
      const since = dayOf(new Date(Date.now() - (days - 1) * 86_400_000));
      const [byLevelRaw, byDayRaw] = await Promise.all([
        countAndSumBy({ ownerId: owner }, 'level'),
        countAndSumBy({ ownerId: owner, day: { $gte: since } }, 'day'),
      ]);
      let total = 0;
      let sum = 0;
      const byLevel = {} as Record<CefrLevel, Tally>;
      for (const level of cefrLevels) {
        const entry = byLevelRaw.get(level) ?? { count: 0, sum: 0 };
        byLevel[level] = { attempts: entry.count, averageScore: average(entry.sum, entry.count) };
        total += entry.count;
        sum += entry.sum;
      }
      const overTime = [...byDayRaw]
        .map(([day, entry]) => ({ day, attempts: entry.count, averageScore: average(entry.sum, entry.count) }))
        .sort((a, b) => a.day.localeCompare(b.day));
      return { attempts: total, averageScore: average(sum, total), byLevel, overTime, since };
    },
  };
}

export type PracticeService = ReturnType<typeof createPracticeService>;
