import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Exercise, VocabularyItem } from './lesson-content';
import { cefrLevels, type CefrLevel } from '../../shared/cefr-levels';

/** A generated lesson for one section of one document, answer keys included (never sent). */
export interface LessonRecord {
  _id: Types.ObjectId;
  ownerId: Types.ObjectId;
  documentId: Types.ObjectId;
  section: number;
  level: CefrLevel;
  contentKey: string;
  generator: string;
  title: string;
  summary: string[];
  vocabulary: VocabularyItem[];
  exercises: Exercise[];
  createdAt: Date;
  updatedAt: Date;
}

const lessonSchema = new Schema<LessonRecord>(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true },
    documentId: { type: Schema.Types.ObjectId, required: true },
    section: { type: Number, required: true },
    level: { type: String, enum: cefrLevels, required: true },
    contentKey: { type: String, required: true },
    generator: { type: String, required: true },
    title: { type: String, required: true },
    summary: { type: [String], default: [] },
    // Generated content is validated by its generator; stored as it came.
    vocabulary: { type: Schema.Types.Mixed, default: [] },
    exercises: { type: Schema.Types.Mixed, default: [] },
  },
  { timestamps: true, collection: 'lessons', strict: 'throw' },
);

// One lesson per document and content key comes from the derived _id (lesson-key.ts).
lessonSchema.index({ documentId: 1 }, { name: 'document' });
lessonSchema.index({ ownerId: 1, createdAt: -1 }, { name: 'owner_recent' });

export function lessonModel(connection: Connection): Model<LessonRecord> {
  return (connection.models.Lesson as Model<LessonRecord> | undefined) ?? connection.model<LessonRecord>('Lesson', lessonSchema);
}
