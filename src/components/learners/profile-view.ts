import type { StorageDriver } from '../../infra/storage/storage-driver';
import type { Account } from './account.model';
import type { Profile } from './profile.schema';

/** What anyone may see of a learner: the profile with its avatar as a URL; no e-mail, no tier. */
export interface PublicProfile extends Omit<Profile, 'avatar'> {
  id: string;
  avatarUrl: string | null;
  memberSince: string;
}

export interface OwnProfile extends PublicProfile {
  email: string;
  tier: Account['tier'];
}

export type ProfileSource = Pick<Account, '_id' | 'profile' | 'createdAt'>;

export async function publicProfile(account: ProfileSource, storage: StorageDriver): Promise<PublicProfile> {
  const { profile } = account;
  return {
    id: account._id.toHexString(),
    displayName: profile.displayName,
    bio: profile.bio,
    nativeLanguage: profile.nativeLanguage ?? null,
    level: profile.level ?? null,
    interests: profile.interests,
    goals: profile.goals,
    timezone: profile.timezone ?? null,
    avatarUrl: profile.avatar ? await storage.url(profile.avatar.key) : null,
    memberSince: account.createdAt.toISOString(),
  };
}

export async function ownProfile(account: ProfileSource & Pick<Account, 'email' | 'tier'>, storage: StorageDriver): Promise<OwnProfile> {
  return { ...(await publicProfile(account, storage)), email: account.email, tier: account.tier };
}
