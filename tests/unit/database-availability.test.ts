import { EventEmitter } from 'node:events';
import { availabilityOf, trackAvailability, type TopologyLike } from '../../src/infra/db/availability';

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
