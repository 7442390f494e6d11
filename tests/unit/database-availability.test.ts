import { EventEmitter } from 'node:events';
import pino from 'pino';
import { availabilityOf, serverTypes, trackAvailability, type Availability, type TopologyLike } from '../../src/infra/db/availability';
import { gateTransitions } from '../../src/infra/db/gate-transitions';

const topology = (...types: string[]): TopologyLike => ({ servers: new Map(types.map((type, index) => [`db${index}:27017`, { type }])) });

/** Fed the driver's own `topologyDescriptionChanged` events, as a replica set elects a new primary. */
describe('database availability from the topology events', () => {
  it('during a primary election keeps stale-tolerant reads and stops writes, then resumes writes', () => {
    const client = new EventEmitter();
    const availability = trackAvailability(client, 'secondaryPreferred');
    expect(availability()).toEqual({ readable: false, writable: false });

    client.emit('topologyDescriptionChanged', { newDescription: topology('RSPrimary', 'RSSecondary', 'RSSecondary') });
    expect(availability()).toEqual({ readable: true, writable: true });

    // The primary steps down or dies: secondaries only, until the election ends.
    client.emit('topologyDescriptionChanged', { newDescription: topology('Unknown', 'RSSecondary', 'RSSecondary') });
    expect(availability()).toEqual({ readable: true, writable: false });

    client.emit('topologyDescriptionChanged', { newDescription: topology('RSSecondary', 'RSPrimary', 'RSSecondary') });
    expect(availability()).toEqual({ readable: true, writable: true });

    // Every member gone or hung.
    client.emit('topologyDescriptionChanged', { newDescription: topology('Unknown', 'Unknown', 'Unknown') });
    expect(availability()).toEqual({ readable: false, writable: false });
  });

  it('with a primary-only read preference, an election stops reads too', () => {
    expect(availabilityOf(topology('Unknown', 'RSSecondary'), 'primary')).toEqual({ readable: false, writable: false });
  });

  it('counts a standalone server (FerretDB) and a mongos as primaries, arbiters and ghosts as nothing', () => {
    expect(availabilityOf(topology('Standalone'), 'secondaryPreferred')).toEqual({ readable: true, writable: true });
    expect(availabilityOf(topology('Mongos'), 'secondaryPreferred')).toEqual({ readable: true, writable: true });
    expect(availabilityOf(topology('RSArbiter', 'RSGhost', 'RSOther'), 'secondaryPreferred')).toEqual({ readable: false, writable: false });
  });
});

describe("the database gate's transitions in the log", () => {
  it('writes one line per change, with its cause and how long the state before it held, and none while nothing changes', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    let state: Availability = { readable: false, writable: false };
    const changed = gateTransitions(log, () => state);

    changed({ by: 'ping', tookMs: 3 });
    expect(lines).toEqual([]);
    state = { readable: true, writable: true };
    changed({ by: 'connected' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    state = { readable: false, writable: false };
    changed({ by: 'ping', tookMs: 1004, error: 'database ping timed out' });
    changed({ by: 'ping', tookMs: 1002, error: 'database ping timed out' });
    state = { readable: true, writable: false };
    changed({ by: 'topology', servers: serverTypes(topology('Unknown', 'RSSecondary')) });
    state = { readable: true, writable: true };
    changed({ by: 'topology', servers: serverTypes(topology('RSPrimary', 'RSSecondary')) });

    // Info at start-up; a warning for every later change, re-openings included.
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [30, 'database gate open'],
      [40, 'database gate closed'],
      [40, 'database gate open to stale-tolerant reads only'],
      [40, 'database gate open'],
    ]);
    expect(lines[1]).toMatchObject({
      gate: { readable: false, writable: false },
      before: { readable: true, writable: true },
      cause: { by: 'ping', error: 'database ping timed out' },
    });
    expect(lines[1]!.heldMs).toBeGreaterThanOrEqual(25);
    expect(lines[2]).toMatchObject({ cause: { by: 'topology', servers: { 'db0:27017': 'Unknown', 'db1:27017': 'RSSecondary' } } });
  });

  it('names the error that made a server Unknown', () => {
    const servers = new Map([
      ['db0:27017', { type: 'Unknown', error: { message: 'connection timed out' } }],
      ['db1:27017', { type: 'Standalone', error: null }],
    ]);
    expect(serverTypes({ servers })).toEqual({ 'db0:27017': 'Unknown: connection timed out', 'db1:27017': 'Standalone' });
  });

  it('is told of every topology event after the availability is updated', () => {
    const client = new EventEmitter();
    const seen: boolean[] = [];
    const availability = trackAvailability(client, 'secondaryPreferred', () => seen.push(availability().writable));
    client.emit('topologyDescriptionChanged', { newDescription: topology('Standalone') });
    client.emit('topologyDescriptionChanged', { newDescription: topology('Unknown') });
    expect(seen).toEqual([true, false]);
  });
});
