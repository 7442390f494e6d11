/**
 * Whatever a bench starts (servers, daemons, child processes, temporary folders) is stopped
 * however the run ends: when it finishes, when it fails, on SIGINT (Ctrl-C, once or more),
 * SIGTERM or SIGHUP, and on an uncaught error. Each start registers its stop here (stopOnExit)
 * before it starts the thing, and the bench's own code calls that stop when it is done with it;
 * runBench and the signal handlers run the stops still pending, newest first.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** How long the cleanup on exit waits for one stop before it gives up on it and goes on. */
const stopTimeoutMs = 60_000;

interface Pending {
  what: string;
  stop(): Promise<unknown>;
}

const pending: Pending[] = [];
let exiting: Promise<never> | null = null;
let handling = false;

const errorText = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/**
 * Registers `stop` (of `what`, for messages) until it has run; returns it, to be called when
 * the bench is done with the thing. It runs once: a second call, or the cleanup on exit, joins it.
 */
export function stopOnExit<T>(what: string, stop: () => T | Promise<T>): () => Promise<T> {
  handleExits();
  let running: Promise<T> | null = null;
  const once = (): Promise<T> => {
    running ??= (async () => {
      try {
        return await stop();
      } finally {
        pending.splice(pending.indexOf(entry), 1);
      }
    })();
    return running;
  };
  const entry: Pending = { what, stop: once };
  pending.push(entry);
  return once;
}

/** Runs every pending stop once, newest first, including any registered meanwhile. */
export async function stopEverything(): Promise<void> {
  const tried = new Set<Pending>();
  for (let entry = pending.at(-1); entry !== undefined; entry = pending.findLast((next) => !tried.has(next))) {
    tried.add(entry);
    const outcome = await Promise.race([
      entry.stop().then(
        () => null,
        (error: unknown) => `failed: ${errorText(error)}`,
      ),
      delay(stopTimeoutMs, `still runs after ${stopTimeoutMs / 1000} s: given up`, { ref: false }),
    ]);
    if (outcome !== null) process.stderr.write(`stopping ${entry.what} ${outcome}\n`);
  }
}

/** Stops everything, then exits with `code`. Asked again meanwhile, it says what it still waits for. */
export function exitAfterStopping(reason: string, code: number): Promise<never> {
  if (exiting !== null) {
    process.stderr.write(`${reason}: still stopping ${pending.map((entry) => entry.what).join(', ') || 'nothing'}\n`);
    return exiting;
  }
  process.stderr.write(`${reason}: stopping what this bench started\n`);
  exiting = stopEverything().then(() => process.exit(code));
  return exiting;
}

function handleExits(): void {
  if (handling) return;
  handling = true;
  process.on('SIGINT', () => void exitAfterStopping('interrupted (SIGINT)', 130));
  process.on('SIGTERM', () => void exitAfterStopping('terminated (SIGTERM)', 143));
  // The terminal closed (or the SSH session dropped) under a running bench.
  process.on('SIGHUP', () => void exitAfterStopping('hung up (SIGHUP)', 129));
  process.on('uncaughtException', (error) => void exitAfterStopping(`uncaught ${errorText(error)}`, 1));
  process.on('unhandledRejection', (error) => void exitAfterStopping(`unhandled rejection ${errorText(error)}`, 1));
}

/**
 * A bench's entry point: runs `main`, then whatever stop is still pending. A failure prints its
 * stack and exits 1; a run interrupted meanwhile exits as the signal says, once everything is stopped.
 */
export async function runBench(main: () => Promise<void>): Promise<void> {
  handleExits();
  try {
    await main();
  } catch (error) {
    // A run interrupted meanwhile fails as a consequence (its servers are going away).
    if (exiting !== null) await exiting;
    process.stderr.write(`bench failed: ${errorText(error)}\n`);
    process.exitCode = 1;
  }
  if (exiting !== null) await exiting;
  await stopEverything();
}
