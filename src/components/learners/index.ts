/**
 * Learners: accounts and sign-in, profiles and avatars, and the profile search (its terms,
 * cache tags and Redis index). One component because a profile change updates all three in
 * one path (docs/architecture.md).
 * The component's public entry: other components and the wiring import only this file.
 */
export { accountModel, accountTextIndex, type Account } from './account.model';
export { accountsRouter } from './accounts.routes';
export { createAccountsService } from './accounts.service';
export { authOf, authenticate, identify } from './authenticate';
export { indexedLearners } from './indexed-learners';
export { createPasswordHasher } from './password';
export type { Profile } from './profile.schema';
export { profileReadsDuringOutage, profilesRouter } from './profiles.routes';
export { createProfilesService } from './profiles.service';
export { refreshTokenModel, refreshTokenTtlIndex } from './refresh-token.model';
export { createSearchIndex, searchIndexMarker, type SearchIndex } from './search-index';
export { searchTermsFor } from './search-terms';
export { searchReadsDuringOutage, searchRouter } from './search.routes';
export { createSearchService } from './search.service';
export { createAccessTokens, type AccessTokens } from './tokens';
