import { Schema } from 'mongoose';
import { cefrLevels, type CefrLevel } from '../../shared/cefr-levels';

export interface StoredAvatar {
  key: string;
  contentType: string;
}

export interface Profile {
  displayName: string;
  bio: string;
  nativeLanguage: string | null;
  level: CefrLevel | null;
  interests: string[];
  goals: string[];
  timezone: string | null;
  avatar: StoredAvatar | null;
}

/**
 * Normalised words of the searchable fields, kept beside the profile on every write. They
 * back the ranked search where the database has no text index (FerretDB): each field's
 * words are matched with an index, name before interests before bio.
 */
export interface SearchTerms {
  name: string[];
  interests: string[];
  bio: string[];
}

export const profileSchema = new Schema<Profile>(
  {
    displayName: { type: String, required: true },
    bio: { type: String, default: '' },
    nativeLanguage: { type: String, default: null },
    level: { type: String, enum: cefrLevels, default: null },
    interests: { type: [String], default: [] },
    goals: { type: [String], default: [] },
    timezone: { type: String, default: null },
    avatar: { type: new Schema<StoredAvatar>({ key: String, contentType: String }, { _id: false }), default: null },
  },
  { _id: false },
);

export const searchTermsSchema = new Schema<SearchTerms>(
  { name: { type: [String], default: [] }, interests: { type: [String], default: [] }, bio: { type: [String], default: [] } },
  { _id: false },
);
