import { setTimeout as delay } from 'node:timers/promises';
import { createLocalCache } from '../../src/infra/cache/local-cache';

describe('the in-process cache layer', () => {
  const options = { ttlMs: 5000, maxBytes: 10_000 };

  it('keeps a value until a drop of one of its tags, and only that value', () => {
    const local = createLocalCache(options);
    local.set('profile:a', { name: 'A' }, ['profile:a'], 20, 60_000, local.generation());
    local.set('search:q', ['a', 'b'], ['search:a', 'search:b'], 20, 60_000, local.generation());
    local.set('profile:b', { name: 'B' }, ['profile:b'], 20, 60_000, local.generation());
    local.drop(['search:b']);
    expect(local.get('search:q')).toBeUndefined();
    expect(local.get('profile:a')).toEqual({ value: { name: 'A' } });
    local.drop(['profile:a']);
    expect(local.get('profile:a')).toBeUndefined();
    expect(local.get('profile:b')).toEqual({ value: { name: 'B' } });
  });

  it('refuses a value read before an invalidation that arrived while it was on its way', () => {
    const local = createLocalCache(options);
    const seen = local.generation();
    local.drop(['profile:other']);
    local.set('profile:a', 'old', ['profile:a'], 3, 60_000, seen);
    expect(local.get('profile:a')).toBeUndefined();
    local.set('profile:a', 'new', ['profile:a'], 3, 60_000, local.generation());
    expect(local.get('profile:a')).toEqual({ value: 'new' });
  });

  it('never keeps a value past the shorter of its own TTL and the Redis TTL', async () => {
    const local = createLocalCache({ ttlMs: 5000, maxBytes: 10_000 });
    local.set('profile:short', 1, ['profile:short'], 1, 40, local.generation());
    local.set('profile:long', 2, ['profile:long'], 1, 60_000, local.generation());
    local.set('profile:off', 3, ['profile:off'], 1, 0, local.generation());
    expect(local.get('profile:off')).toBeUndefined();
    await delay(80);
    expect(local.get('profile:short')).toBeUndefined();
    expect(local.get('profile:long')).toEqual({ value: 2 });
  });

  it('stays within its memory budget, dropping the least recently used first', () => {
    const local = createLocalCache({ ttlMs: 5000, maxBytes: 1000 });
    for (let n = 0; n < 10; n++) local.set(`profile:${n}`, n, [`profile:${n}`], 200, 60_000, local.generation());
    expect(local.size()).toBeLessThanOrEqual(4);
    expect(local.get('profile:9')).toEqual({ value: 9 });
    expect(local.get('profile:0')).toBeUndefined();
    // An entry larger than the whole budget is not kept, and evicts nothing.
    local.set('search:huge', 'x', ['search:huge'], 5000, 60_000, local.generation());
    expect(local.get('search:huge')).toBeUndefined();
    expect(local.get('profile:9')).toEqual({ value: 9 });
  });

  it('forgets the tags of evicted entries, so a drop of a tag a key no longer has leaves it alone', () => {
    const local = createLocalCache({ ttlMs: 5000, maxBytes: 500 });
    local.set('search:q', 'old', ['search:word:x'], 300, 60_000, local.generation());
    // Evicts search:q (the budget holds one of these), whose tag search:word:x must go with it.
    local.set('profile:b', 'b', ['profile:b'], 300, 60_000, local.generation());
    expect(local.get('search:q')).toBeUndefined();
    // The same key again, now under another tag only.
    local.set('search:q', 'new', ['search:word:y'], 100, 60_000, local.generation());
    local.drop(['search:word:x']);
    expect(local.get('search:q')).toEqual({ value: 'new' });
    local.drop(['search:word:y']);
    expect(local.get('search:q')).toBeUndefined();
  });

  it('clear empties it and refuses values read before', () => {
    const local = createLocalCache(options);
    const seen = local.generation();
    local.set('stats:all', { learners: 1 }, ['stats:all'], 20, 60_000, seen);
    local.clear();
    expect(local.size()).toBe(0);
    local.set('stats:all', { learners: 1 }, ['stats:all'], 20, 60_000, seen);
    expect(local.get('stats:all')).toBeUndefined();
  });
});

describe('a value kept in memory', () => {
  it('is frozen, so a caller that changes it fails instead of changing what every other request reads', () => {
    const local = createLocalCache({ ttlMs: 5000, maxBytes: 10_000 });
    local.set('profile:a', { name: 'A', interests: ['chess'] }, ['profile:a'], 40, 60_000, local.generation());
    const kept = local.get('profile:a')!.value as { name: string; interests: string[] };
    expect(() => {
      kept.name = 'B';
    }).toThrow(TypeError);
    expect(() => kept.interests.push('go')).toThrow(TypeError);
    expect(local.get('profile:a')).toEqual({ value: { name: 'A', interests: ['chess'] } });
  });
});
