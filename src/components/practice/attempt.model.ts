import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { cefrLevels, type CefrLevel } from '../../shared/cefr-levels';

/** One scored attempt at a lesson; written once, in one insert. */
export interface Attempt {
  _id: Types.ObjectId;
  ownerId: Types.ObjectId;
  lessonId: Types.ObjectId;
  level: CefrLevel;
  score: number;
  correct: number;
  total: number;
  /** UTC day (YYYY-MM-DD): progress over time groups on it without date operators. */
  day: string;
  createdAt: Date;
}

const attemptSchema = new Schema<Attempt>(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true },
    lessonId: { type: Schema.Types.ObjectId, required: true },
    level: { type: String, enum: cefrLevels, required: true },
    score: { type: Number, required: true },
    correct: { type: Number, required: true },
    total: { type: Number, required: true },
    day: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'attempts', strict: 'throw' },
);

attemptSchema.index({ ownerId: 1, day: 1 }, { name: 'owner_day' });
attemptSchema.index({ lessonId: 1 }, { name: 'lesson' });

export function attemptModel(connection: Connection): Model<Attempt> {
  return (connection.models.Attempt as Model<Attempt> | undefined) ?? connection.model<Attempt>('Attempt', attemptSchema);
}
