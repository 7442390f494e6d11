import type Bull from 'bull';

export type JobEvent =
  | { type: 'progress'; progress: unknown }
  | { type: 'completed'; result: unknown }
  | { type: 'failed'; reason: string };

type Listener = (event: JobEvent) => void;

/**
 * Progress and outcomes of jobs in any process, from Bull's global (Redis pub/sub) events:
 * one subscription per queue and process, fanned out to the SSE streams of this process.
 */
export class JobEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscribed = new Set<Bull.Queue>();

  subscribe(queue: Bull.Queue, jobId: string, listener: Listener): () => void {
    this.listenTo(queue);
    const key = `${queue.name}/${jobId}`;
    const set = this.listeners.get(key) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  private listenTo(queue: Bull.Queue): void {
    if (this.subscribed.has(queue)) return;
    this.subscribed.add(queue);
    const emit = (jobId: string | number, event: JobEvent): void => {
      for (const listener of this.listeners.get(`${queue.name}/${String(jobId)}`) ?? []) listener(event);
    };
    void queue.on('global:progress', (jobId: string, progress: unknown) => emit(jobId, { type: 'progress', progress }));
    void queue.on('global:completed', (jobId: string, result: string) => emit(jobId, { type: 'completed', result: parseResult(result) }));
    void queue.on('global:failed', (jobId: string, reason: string) => emit(jobId, { type: 'failed', reason }));
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
