import { Schema, type Connection, type HydratedDocument, type Model, type Types } from 'mongoose';
import { profileSchema, searchTermsSchema, type Profile, type SearchTerms } from './profile.schema';
import { tiers, type Tier } from '../../shared/tiers';

/** A learner: credentials, tier and profile in one document, so every write is atomic. */
export interface Account {
  _id: Types.ObjectId;
  email: string;
  passwordHash: string;
  tier: Tier;
  profile: Profile;
  /** Counts profile edits: the search index keeps an entry only for the newest version. */
  profileVersion: number;
  search: SearchTerms;
  createdAt: Date;
  updatedAt: Date;
}

export type AccountDocument = HydratedDocument<Account>;

const accountSchema = new Schema<Account>(
  {
    email: { type: String, required: true },
    passwordHash: { type: String, required: true },
    tier: { type: String, enum: tiers, default: 'starter', required: true },
    profile: { type: profileSchema, required: true },
    profileVersion: { type: Number, default: 0 },
    search: { type: searchTermsSchema, default: () => ({}) },
  },
  { timestamps: true, collection: 'accounts', strict: 'throw' },
);

accountSchema.index({ email: 1 }, { unique: true, name: 'email_unique' });
accountSchema.index({ 'profile.level': 1, 'profile.nativeLanguage': 1 }, { name: 'level_language' });
accountSchema.index({ 'search.name': 1 }, { name: 'search_name' });
accountSchema.index({ 'search.interests': 1 }, { name: 'search_interests' });
accountSchema.index({ 'search.bio': 1 }, { name: 'search_bio' });

/** The weighted text index of the MongoDB search path; created only where the server supports it. */
export const accountTextIndex = {
  fields: { 'profile.displayName': 'text', 'profile.interests': 'text', 'profile.bio': 'text' },
  options: { name: 'profile_text', weights: { 'profile.displayName': 10, 'profile.interests': 5, 'profile.bio': 1 } },
} as const;

export function accountModel(connection: Connection): Model<Account> {
  return (connection.models.Account as Model<Account> | undefined) ?? connection.model<Account>('Account', accountSchema);
}
