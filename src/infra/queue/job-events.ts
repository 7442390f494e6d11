import type Bull from 'bull';

export type JobEvent = { type: 'progress'; progress: unknown } | { type: 'completed'; result: unknown } | { type: 'failed'; reason: string };

type Listener = (event: JobEvent) => void;

const globalEvents = ['progress', 'completed', 'failed'] as const;

/**
 * Progress and outcomes of jobs in any process, from Bull's global (Redis pub/sub) events:
 * one subscription per queue and process, fanned out to the SSE streams of this process.
 */
export class JobEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscriptions = new Map<Bull.Queue, Promise<void>>();

  /**
   * Adds the listener and resolves once Redis has confirmed the queue's subscription, so an
   * event published after that is delivered. Bull's `on('global:…')` does not wait for it:
   * without this, the first stream of a process could miss a job's `completed`.
   */
  async subscribe(queue: Bull.Queue, jobId: string, listener: Listener): Promise<() => void> {
    const key = `${queue.name}/${jobId}`;
    const set = this.listeners.get(key) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(key, set);
    const unsubscribe = (): void => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
    try {
      await this.listenTo(queue);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** Listeners registered right now, across every job: what an SSE leak would make grow. */
  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  private listenTo(queue: Bull.Queue): Promise<void> {
    const existing = this.subscriptions.get(queue);
    if (existing) return existing;
    // Bull emits `registered:global:<event>` once Redis has confirmed the SUBSCRIBE.
    const confirmed = Promise.all(
      globalEvents.map((name) => new Promise<void>((resolve) => void queue.once(`registered:global:${name}`, () => resolve()))),
    ).then(() => undefined);
    this.subscriptions.set(queue, confirmed);
    const emit = (jobId: string | number, event: JobEvent): void => {
      for (const listener of this.listeners.get(`${queue.name}/${String(jobId)}`) ?? []) listener(event);
    };
    void queue.on('global:progress', (jobId: string, progress: unknown) => emit(jobId, { type: 'progress', progress }));
    void queue.on('global:completed', (jobId: string, result: string) => emit(jobId, { type: 'completed', result: parseResult(result) }));
    void queue.on('global:failed', (jobId: string, reason: string) => emit(jobId, { type: 'failed', reason }));
    return confirmed;
  }
}

/** Global events carry the result as Bull serialised it (JSON text). */
function parseResult(result: string): unknown {
  try {
    return JSON.parse(result) as unknown;
  } catch {
    return result;
  }
}
