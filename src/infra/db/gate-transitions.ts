import type { Logger } from '../logger';
import type { Availability } from './availability';

/** What made the gate look again: the driver's view of the servers changed, a ping ended, or start-up connected. */
export type GateCause = { by: 'topology'; servers: Record<string, string> } | { by: 'ping'; tookMs: number; error?: string } | { by: 'connected' };

/**
 * Logs each change of what the database gate in front of /api lets through, with its cause and
 * how long the state before it held. A closure of a few milliseconds under load shows otherwise
 * only as a rare 503 DATABASE_UNAVAILABLE. Called on every event; writes only on a change.
 */
export function gateTransitions(log: Logger, state: () => Availability): (cause: GateCause) => void {
  let last = state();
  let since = performance.now();
  return (cause) => {
    const next = state();
    if (next.readable === last.readable && next.writable === last.writable) return;
    const now = performance.now();
    const entry = { gate: next, before: last, heldMs: Math.round(now - since), cause };
    const message = next.writable ? 'database gate open' : next.readable ? 'database gate open to stale-tolerant reads only' : 'database gate closed';
    // At the level of a closure, re-openings too: how long one lasted is what explains its 503s.
    if (cause.by === 'connected') log.info(entry, message);
    else log.warn(entry, message);
    last = next;
    since = now;
  };
}
