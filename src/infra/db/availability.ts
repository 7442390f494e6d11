import type { Config } from '../config/config';

type ReadPreferenceMode = Config['mongo']['readPreference'];

/** The part of the driver's topology description this needs: each known server's type, and why one is Unknown. */
export interface TopologyLike {
  servers: ReadonlyMap<string, { type: string; error?: { message: string } | null }>;
}

/** Server types that accept writes (and primary reads). */
const writableTypes = new Set(['RSPrimary', 'Standalone', 'Mongos', 'LoadBalancer']);
/** Server types a stale-tolerant read may go to, besides the writable ones. */
const secondaryTypes = new Set(['RSSecondary']);

export interface Availability {
  /** A server the stale-tolerant read preference may read from is known. */
  readable: boolean;
  /** A primary (or a standalone or router) is known: writes and primary reads can go. */
  writable: boolean;
}

/**
 * What the topology allows, from the driver's own view of every server. During a primary
 * election (up to ~12 s) there are secondaries and no primary: stale-tolerant reads can go
 * on, writes cannot.
 */
export function availabilityOf(topology: TopologyLike, staleReadPreference: ReadPreferenceMode): Availability {
  const types = [...topology.servers.values()].map((server) => server.type);
  const writable = types.some((type) => writableTypes.has(type));
  const secondaryReadable = staleReadPreference !== 'primary' && types.some((type) => secondaryTypes.has(type));
  return { readable: writable || secondaryReadable, writable };
}

/** Each server's type by address, with the error that made an Unknown one so: for the logs. */
export function serverTypes(topology: TopologyLike): Record<string, string> {
  return Object.fromEntries(
    [...topology.servers].map(([address, server]) => [address, server.error ? `${server.type}: ${server.error.message}` : server.type]),
  );
}

/** Follows the driver's `topologyDescriptionChanged` events; `changed` is called after each. */
export function trackAvailability(
  client: { on(event: 'topologyDescriptionChanged', listener: (event: { newDescription: TopologyLike }) => void): unknown },
  staleReadPreference: ReadPreferenceMode,
  changed: (topology: TopologyLike) => void = () => undefined,
): () => Availability {
  let current: Availability = { readable: false, writable: false };
  client.on('topologyDescriptionChanged', (event) => {
    current = availabilityOf(event.newDescription, staleReadPreference);
    changed(event.newDescription);
  });
  return () => current;
}
