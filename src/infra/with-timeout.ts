/** Rejects with `${what} timed out after Nms` unless `promise` settles first. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How finely `withRunningTimeout` counts, and the most one of its ticks adds however late it fires. */
const runningTickMs = 50;
const longestTickMs = 2 * runningTickMs;

/**
 * Like withTimeout, but counts only the time this process could run: a tick that fires late adds
 * at most `longestTickMs`. A process starved of the CPU for a second (a busy box starting containers
 * beside it: measured in a Swarm rollout) wakes with the answer it waited for unread in its socket,
 * and a plain timer, run before that socket is read, would blame the server.
 */
export async function withRunningTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    let counted = 0;
    let last = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      counted += Math.min(now - last, longestTickMs);
      last = now;
      if (counted >= ms) reject(new Error(`${what} timed out after ${ms}ms`));
    }, runningTickMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearInterval(timer);
  }
}
