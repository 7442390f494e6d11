import { staleTolerantReads } from '../../src/api-routes';

/** The reads served from the cache while the database is out, as each router declares them. */
describe('reads served during a database outage', () => {
  const served = (path: string): boolean => staleTolerantReads.some((pattern) => pattern.test(path));

  it('are a public profile (its id in any case), a search and the statistics', () => {
    for (const path of ['/profiles/6b07a49e843058ad62a5f172', '/profiles/6B07A49E843058AD62A5F172', '/search/profiles', '/stats']) {
      expect([path, served(path)]).toEqual([path, true]);
    }
  });

  it("are nothing else: not one's own profile, an avatar, another path under a mount or a near miss", () => {
    for (const path of [
      '/profiles/me',
      '/profiles/me/avatar',
      '/profiles/6b07a49e843058ad62a5f172/avatar',
      '/search',
      '/search/profiles/x',
      '/stats/',
      '/statsx',
      '/auth/login',
      '/xprofiles/6b07a49e843058ad62a5f172',
    ]) {
      expect([path, served(path)]).toEqual([path, false]);
    }
  });
});
