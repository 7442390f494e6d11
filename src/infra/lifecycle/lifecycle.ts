export type LifecycleState = 'starting' | 'serving' | 'stopping';

/** Where the process is in its life; readiness and shutdown are driven from here. */
export class Lifecycle {
  private current: LifecycleState = 'starting';
  private readonly stoppingListeners = new Set<() => void>();

  get state(): LifecycleState {
    return this.current;
  }

  markServing(): void {
    if (this.current === 'starting') this.current = 'serving';
  }

  beginShutdown(): void {
    if (this.current === 'stopping') return;
    this.current = 'stopping';
    for (const listener of this.stoppingListeners) listener();
  }

  /**
   * Runs `listener` when shutdown begins: long-lived responses (event streams) end then, so
   * their clients reconnect to another process instead of holding this one open.
   * Returns a function that removes the listener.
   */
  onStopping(listener: () => void): () => void {
    this.stoppingListeners.add(listener);
    return () => this.stoppingListeners.delete(listener);
  }

  isStopping(): boolean {
    return this.current === 'stopping';
  }
}
