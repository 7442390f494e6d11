import type { mongo } from 'mongoose';

type MongoClient = mongo.MongoClient;

export interface PoolStatistics {
  max: number;
  min: number;
  open: number;
  inUse: number;
  waiting: number;
  checkoutFailures: number;
}

/** Counts connection-pool (CMAP) events, which the driver emits for every server it talks to. */
export class PoolMonitor {
  private open = 0;
  private inUse = 0;
  private waiting = 0;
  private checkoutFailures = 0;
  /** Connections set up and authenticated (`open` counts them from their creation on), by server and id. */
  private readonly established = new Set<string>();

  constructor(
    client: MongoClient,
    private readonly limits: { max: number; min: number },
  ) {
    client.on('connectionCreated', () => this.open++);
    client.on('connectionReady', (event) => this.established.add(`${event.address} ${event.connectionId}`));
    client.on('connectionClosed', (event) => {
      this.open--;
      this.established.delete(`${event.address} ${event.connectionId}`);
    });
    client.on('connectionCheckOutStarted', () => this.waiting++);
    client.on('connectionCheckedOut', () => {
      this.waiting--;
      this.inUse++;
    });
    client.on('connectionCheckOutFailed', () => {
      this.waiting--;
      this.checkoutFailures++;
    });
    client.on('connectionCheckedIn', () => this.inUse--);
  }

  /** Connections ready to be checked out or in use, over every server. */
  establishedConnections(): number {
    return this.established.size;
  }

  statistics(): PoolStatistics {
    return {
      max: this.limits.max,
      min: this.limits.min,
      open: this.open,
      inUse: this.inUse,
      waiting: this.waiting,
      checkoutFailures: this.checkoutFailures,
    };
  }
}
