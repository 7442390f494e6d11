/**
 * Concurrent loads of one key in this process share one run. An invalidation detaches the runs
 * that depend on its tags, so a caller after a write never joins a load from before it.
 */
export function createSingleFlight<Outcome>() {
  const inFlight = new Map<string, { tags: string[]; done: Promise<Outcome> }>();
  return {
    running: (key: string): Promise<Outcome> | undefined => inFlight.get(key)?.done,

    /** Runs `start` as the key's flight; `settled` sees the outcome while the flight is still registered. */
    async run<T>(key: string, tags: string[], start: () => Promise<Outcome>, settled: (outcome: Outcome) => T): Promise<T> {
      const flight = { tags, done: start() };
      inFlight.set(key, flight);
      try {
        return settled(await flight.done);
      } finally {
        if (inFlight.get(key) === flight) inFlight.delete(key);
      }
    },

    /** Detaches the flights under `prefix` that depend on one of `tags`. */
    forget(prefix: string, tags: string[]): void {
      for (const [key, flight] of inFlight) {
        if (key.startsWith(prefix) && flight.tags.some((tag) => tags.includes(tag))) inFlight.delete(key);
      }
    },
  };
}
