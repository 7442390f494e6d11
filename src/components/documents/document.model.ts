import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const documentStatuses = ['queued', 'processing', 'ready', 'failed'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];
export const documentKinds = ['pdf', 'docx', 'txt'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export interface DocumentSection {
  index: number;
  title: string;
  text: string;
  wordCount: number;
}

/**
 * An uploaded reading text. Its sections are embedded, so a document becomes `ready` in one
 * atomic write and a lesson request reads one document.
 */
export interface LearnerDocument {
  _id: Types.ObjectId;
  ownerId: Types.ObjectId;
  filename: string;
  kind: DocumentKind;
  contentType: string;
  sizeBytes: number;
  storageKey: string;
  status: DocumentStatus;
  jobId: string;
  failure: { code: string; reason: string } | null;
  sections: DocumentSection[];
  sectionCount: number;
  wordCount: number;
  processedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const sectionSchema = new Schema<DocumentSection>(
  {
    index: { type: Number, required: true },
    title: { type: String, required: true },
    text: { type: String, required: true },
    wordCount: { type: Number, required: true },
  },
  { _id: false },
);

const documentSchema = new Schema<LearnerDocument>(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true },
    filename: { type: String, required: true },
    kind: { type: String, enum: documentKinds, required: true },
    contentType: { type: String, required: true },
    sizeBytes: { type: Number, required: true },
    storageKey: { type: String, required: true },
    status: { type: String, enum: documentStatuses, required: true },
    jobId: { type: String, required: true },
    failure: { type: new Schema({ code: String, reason: String }, { _id: false }), default: null },
    sections: { type: [sectionSchema], default: [] },
    sectionCount: { type: Number, default: 0 },
    wordCount: { type: Number, default: 0 },
    processedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'documents', strict: 'throw' },
);

documentSchema.index({ ownerId: 1, createdAt: -1 }, { name: 'owner_recent' });
documentSchema.index({ status: 1 }, { name: 'status' });

export function documentModel(connection: Connection): Model<LearnerDocument> {
  return (connection.models.LearnerDocument as Model<LearnerDocument> | undefined) ?? connection.model<LearnerDocument>('LearnerDocument', documentSchema);
}
