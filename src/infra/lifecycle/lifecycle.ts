export type LifecycleState = 'starting' | 'serving' | 'stopping';

/** Where the process is in its life; readiness and shutdown are driven from here. */
export class Lifecycle {
  private current: LifecycleState = 'starting';

  get state(): LifecycleState {
    return this.current;
  }

  markServing(): void {
    if (this.current === 'starting') this.current = 'serving';
  }

  beginShutdown(): void {
    this.current = 'stopping';
  }

  isStopping(): boolean {
    return this.current === 'stopping';
  }
}
