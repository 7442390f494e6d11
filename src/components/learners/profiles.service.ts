import type { ReadPreferenceMode } from '../../infra/db/database';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { NotFoundError } from '../../infra/errors/app-error';
import type { Cache } from '../../infra/cache/cache';
import type { Logger } from '../../infra/logger';
import type { Mutex } from '../../infra/redis/mutex';
import type { StorageDriver } from '../../infra/storage/storage-driver';
import type { Account } from './account.model';
import type { SearchIndex } from './search-index';
import { profileChangeTags } from './search-tags';
import { searchTermsOf } from './search-terms';
import { ownProfile, publicProfile, type OwnProfile, type PublicProfile } from './profile-view';
import type { Profile } from './profile.schema';
import type { ProfilePatch } from './profiles.validation';

export interface ProfilesServiceDependencies {
  accounts: Model<Account>;
  storage: StorageDriver;
  logger: Logger;
  cache: Cache;
  staleReadPreference: ReadPreferenceMode;
  /** Kept in step with every profile write, before the cached views go. */
  searchIndex: Pick<SearchIndex, 'put'>;
  /**
   * Avatar changes of one account run one at a time, cluster-wide: each must see the avatar the
   * previous one set to delete its file. (FerretDB's findAndModify is not atomic: ten uploads at
   * once saw the same "before" and left six files public, none referenced.)
   */
  exclusive: Mutex;
}

const publicFields = { profile: 1, createdAt: 1 } as const;
const ownFields = { profile: 1, createdAt: 1, email: 1, tier: 1 } as const;
// Updates return whole documents: FerretDB's findAndModify takes no projection; views pick the fields.
const notFound = (): NotFoundError => new NotFoundError('Profile not found');
// Every profile write moves the version on: the search index keeps only the newest.
const nextVersion = { profileVersion: 1 } as const;

/** `$set` paths for a patch, with the search words of each changed searchable field. */
function updateFor(patch: ProfilePatch): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) set[`profile.${field}`] = value;
  for (const [kind, words] of Object.entries(searchTermsOf(patch))) set[`search.${kind}`] = words;
  return set;
}

export function createProfilesService(deps: ProfilesServiceDependencies) {
  const { accounts, storage, logger, cache } = deps;

  async function deleteQuietly(key: string): Promise<void> {
    // A leftover object costs storage, not correctness: log it for clean-up and go on.
    await storage.delete(key).catch((error: unknown) => logger.warn({ err: error, key }, 'could not delete a stored avatar'));
  }

  /**
   * A change to a profile is visible at once: the search index takes the new version, the
   * cached view goes, and so do the cached searches whose matches it can change (none when no
   * searchable field changed).
   */
  async function changed(before: Account, after: Profile, searchTags: string[] = []): Promise<void> {
    const id = before._id.toHexString();
    await deps.searchIndex.put({ id, version: (before.profileVersion ?? 0) + 1, profile: after, createdAt: before.createdAt });
    await Promise.all([cache.invalidate('profile', id), cache.invalidate('search', searchTags)]);
  }

  async function setAvatar(accountId: string, file: { bytes: Buffer; mime: string; extension: string }): Promise<OwnProfile> {
    const key = `avatars/${accountId}/${randomUUID()}.${file.extension}`;
    await storage.put(key, file.bytes, file.mime);
    const before = await accounts
      .findByIdAndUpdate(accountId, { $set: { 'profile.avatar': { key, contentType: file.mime } }, $inc: nextVersion }, { returnDocument: 'before' })
      .lean<Account>();
    if (!before) {
      await deleteQuietly(key);
      throw notFound();
    }
    const profile = { ...before.profile, avatar: { key, contentType: file.mime } };
    await changed(before, profile);
    if (before.profile.avatar) await deleteQuietly(before.profile.avatar.key);
    return ownProfile({ ...before, profile }, storage);
  }

  async function dropAvatar(accountId: string): Promise<OwnProfile> {
    const before = await accounts
      .findByIdAndUpdate(accountId, { $set: { 'profile.avatar': null }, $inc: nextVersion }, { returnDocument: 'before' })
      .lean<Account>();
    if (!before) throw notFound();
    const profile = { ...before.profile, avatar: null };
    await changed(before, profile);
    if (before.profile.avatar) await deleteQuietly(before.profile.avatar.key);
    return ownProfile({ ...before, profile }, storage);
  }

  return {
    async getPublic(id: string): Promise<PublicProfile> {
      return cache.getOrLoad('profile', id, async ({ afterWrite }) => {
        const read = afterWrite ? 'primary' : deps.staleReadPreference;
        const account = await accounts.findById(id, publicFields).read(read).lean<Account>();
        if (!account) throw notFound();
        return publicProfile(account, storage);
      });
    },

    async getOwn(accountId: string): Promise<OwnProfile> {
      const account = await accounts.findById(accountId, ownFields).lean<Account>();
      if (!account) throw notFound();
      return ownProfile(account, storage);
    },

    async update(accountId: string, patch: ProfilePatch): Promise<OwnProfile> {
      // The document before the write says which searches the edit can change.
      const before = await accounts
        .findByIdAndUpdate(accountId, { $set: updateFor(patch), $inc: nextVersion }, { returnDocument: 'before', runValidators: true })
        .lean<Account>();
      if (!before) throw notFound();
      const after = { ...before, profile: { ...before.profile, ...patch } };
      await changed(before, after.profile, profileChangeTags(before.profile, after.profile));
      return ownProfile(after, storage);
    },

    replaceAvatar: (accountId: string, file: { bytes: Buffer; mime: string; extension: string }): Promise<OwnProfile> =>
      deps.exclusive(`avatar:${accountId}`, () => setAvatar(accountId, file)),

    removeAvatar: (accountId: string): Promise<OwnProfile> => deps.exclusive(`avatar:${accountId}`, () => dropAvatar(accountId)),
  };
}

export type ProfilesService = ReturnType<typeof createProfilesService>;
