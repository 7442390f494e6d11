/**
 * /live every `everyMs` while an overload runs, each on a new connection (as a kubelet's probe
 * is) and on schedule whatever the earlier ones take: does the box still answer its probes
 * (issue 26: within 100 ms throughout 4× its capacity)?
 */
import { timeLive } from '../report/connection-probe.mts';

export interface LiveSample {
  /** When the probe left, ms since the epoch. */
  at: number;
  /** ms to its answer; -1: not a 200 within the timeout. */
  ms: number;
}

export interface LiveProbe {
  stop(): Promise<LiveSample[]>;
}

export function probeLive(port: number, everyMs = 100, timeoutMs = 5000): LiveProbe {
  const samples: LiveSample[] = [];
  const pending: Promise<void>[] = [];
  // Unreferenced: a run that fails before stop() must not keep the bench alive.
  const timer = setInterval(() => {
    const at = Date.now();
    pending.push(timeLive(port, false, timeoutMs).then((ms) => void samples.push({ at, ms })));
  }, everyMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return samples.sort((a, b) => a.at - b.at);
    },
  };
}
