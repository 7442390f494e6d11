import mongoose, { type Model, type Types } from 'mongoose';
import { isDuplicateKey } from '../../infra/db/duplicate-key';
import { ConflictError, InvalidCredentialsError, NotFoundError, UnauthorizedError } from '../../infra/errors/app-error';
import type { SearchIndex } from './search-index';
import { searchTermsFor } from './search-terms';
import type { Account } from './account.model';
import { accountView, type AccountView } from './account-view';
import type { PasswordHasher } from './password';
import type { RefreshToken } from './refresh-token.model';
import { newRefreshToken, parseRefreshToken, secretMatches, type AccessTokens } from './tokens';

export interface Session {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  account: AccountView;
}

export interface AccountsServiceDependencies {
  accounts: Model<Account>;
  refreshTokens: Model<RefreshToken>;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  refreshTokenTtlDays: number;
  /** True where the database has no TTL index to remove expired refresh tokens. */
  pruneExpiredTokens: () => boolean;
  /** A new learner is findable by name at once. */
  searchIndex: Pick<SearchIndex, 'put'>;
}

const invalidRefresh = (): UnauthorizedError => new UnauthorizedError(undefined, 'INVALID_REFRESH_TOKEN');

/** Issues tokens; `predecessor` is the refresh token being rotated, absent at login. */
async function startSession(deps: AccountsServiceDependencies, account: Account, predecessor?: RefreshToken): Promise<Session> {
  const { refreshTokens, accessTokens } = deps;
  if (deps.pruneExpiredTokens()) {
    await refreshTokens.deleteMany({ accountId: account._id, expiresAt: mongoose.trusted({ $lt: new Date() }) });
  }
  const token = newRefreshToken();
  await refreshTokens.create({
    _id: token.id,
    accountId: account._id,
    family: predecessor?.family ?? token.id,
    rotatedFrom: predecessor ? predecessor._id.toHexString() : `login:${token.id.toHexString()}`,
    secretHash: token.secretHash,
    expiresAt: new Date(Date.now() + deps.refreshTokenTtlDays * 86_400_000),
  });
  return {
    tokenType: 'Bearer',
    accessToken: accessTokens.issue({ accountId: account._id.toHexString(), tier: account.tier }),
    expiresIn: accessTokens.ttlSeconds,
    refreshToken: token.value,
    account: accountView(account),
  };
}

export function createAccountsService(deps: AccountsServiceDependencies) {
  const { accounts, refreshTokens, passwords } = deps;

  async function revokeFamily(family: Types.ObjectId): Promise<void> {
    await refreshTokens.updateMany({ family, revokedAt: null }, { $set: { revokedAt: new Date() } });
  }

  return {
    async register(input: { email: string; password: string; displayName: string }): Promise<Session> {
      const profile = { displayName: input.displayName, bio: '', interests: [] };
      try {
        const account = await accounts.create({
          email: input.email,
          passwordHash: await passwords.hash(input.password),
          profile,
          search: searchTermsFor(profile),
        });
        const created = account.toObject();
        await deps.searchIndex.put({ id: created._id.toHexString(), version: created.profileVersion, profile: created.profile, createdAt: created.createdAt });
        return await startSession(deps, created);
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw new ConflictError(undefined, 'EMAIL_TAKEN');
        }
        throw error;
      }
    },

    async login(input: { email: string; password: string }): Promise<Session> {
      const account = await accounts.findOne({ email: input.email }).lean<Account>();
      const valid = await passwords.verify(account?.passwordHash ?? null, input.password);
      if (!account || !valid) throw new InvalidCredentialsError();
      return startSession(deps, account);
    },

    /**
     * Rotation: the presented token is spent and a successor of the same family is issued.
     * Inserting the successor is the atomic claim (unique `rotatedFrom`): of two concurrent
     * uses one wins; the other, like any later reuse, revokes the whole family.
     */
    async refresh(value: string): Promise<Session> {
      const presented = parseRefreshToken(value);
      if (!presented) throw invalidRefresh();
      const stored = await refreshTokens.findById(presented.id).lean<RefreshToken>();
      if (!stored || !secretMatches(presented.secret, stored.secretHash) || stored.expiresAt <= new Date()) throw invalidRefresh();
      const account = await accounts.findById(stored.accountId).lean<Account>();
      if (!account) throw invalidRefresh();
      const reused = async (): Promise<never> => {
        await revokeFamily(stored.family);
        throw new UnauthorizedError(undefined, 'REFRESH_TOKEN_REUSED');
      };
      if (stored.revokedAt !== null) return reused();
      let session: Session;
      try {
        session = await startSession(deps, account, stored);
      } catch (error) {
        if (isDuplicateKey(error)) return reused();
        throw error;
      }
      await refreshTokens.updateOne({ _id: stored._id }, { $set: { revokedAt: new Date() } });
      return session;
    },

    async logout(value: string): Promise<void> {
      const presented = parseRefreshToken(value);
      const stored = presented ? await refreshTokens.findById(presented.id).lean<RefreshToken>() : null;
      if (!presented || !stored || !secretMatches(presented.secret, stored.secretHash)) throw invalidRefresh();
      await revokeFamily(stored.family);
    },

    async me(accountId: string): Promise<AccountView> {
      const account = await accounts.findById(accountId).lean<Account>();
      if (!account) throw new NotFoundError('Account not found');
      return accountView(account);
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
