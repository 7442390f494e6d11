import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * One issued refresh token. Only a hash of its secret is stored. Tokens from one login
 * share a `family`: using a rotated token again revokes the family (token theft).
 * `rotatedFrom` is unique: a token can have one successor only, and the unique index makes
 * that claim atomic even where findAndModify is not (FerretDB).
 */
export interface RefreshToken {
  _id: Types.ObjectId;
  accountId: Types.ObjectId;
  family: Types.ObjectId;
  /** The id of the token this one replaced, or `login:<own id>` for the first of a family. */
  rotatedFrom: string;
  secretHash: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

const refreshTokenSchema = new Schema<RefreshToken>(
  {
    accountId: { type: Schema.Types.ObjectId, required: true },
    family: { type: Schema.Types.ObjectId, required: true },
    rotatedFrom: { type: String, required: true },
    secretHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
  },
  { collection: 'refresh_tokens', strict: 'throw', versionKey: false },
);

refreshTokenSchema.index({ family: 1 }, { name: 'family' });
refreshTokenSchema.index({ rotatedFrom: 1 }, { name: 'one_successor', unique: true });
refreshTokenSchema.index({ accountId: 1, expiresAt: 1 }, { name: 'account_expiry' });

/** Removes expired tokens by itself; created only where the server has TTL indexes. */
export const refreshTokenTtlIndex = { fields: { expiresAt: 1 }, options: { name: 'expiry_ttl', expireAfterSeconds: 0 } } as const;

export function refreshTokenModel(connection: Connection): Model<RefreshToken> {
  return (connection.models.RefreshToken as Model<RefreshToken> | undefined) ?? connection.model<RefreshToken>('RefreshToken', refreshTokenSchema);
}
