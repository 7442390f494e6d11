import type { Config } from '../config/config';
import { configOrExit, exitWithMessage } from '../config/config-or-exit';
import type { Logger } from '../logger';

/**
 * An entry point (the API server, a queue worker): the validated configuration or one line
 * naming the bad variables, then `main`; a failure to start is one line on stderr and exit 1.
 */
export function runEntryPoint(program: string, main: (config: Config) => Promise<void>): void {
  const start = async (): Promise<void> => main(configOrExit(program));
  start().catch((error: unknown) => exitWithMessage(program, `failed to start: ${error instanceof Error ? error.stack : String(error)}`));
}

export interface StopRules {
  logger: Logger;
  /** Past it the process exits 1 with whatever is unfinished. */
  timeoutMs: number;
  messages: { started: string; timedOut: string; done: string };
  /** Runs first, before anything is logged (the API fails readiness at once). */
  onStart?: (() => void) | undefined;
  /** What the start and timeout logs add (the jobs still running). */
  details?: () => Record<string, unknown>;
  exit?: ((code: number) => void) | undefined;
}

/**
 * SIGTERM (Docker, Kubernetes) and SIGINT (PM2, Ctrl-C) run `stop` once, under a deadline:
 * exit 0 when it is done, 1 when it fails or the deadline passes first. Returns the same
 * trigger for other reasons to stop.
 */
export function stopOnSignals(rules: StopRules, stop: (reason: string) => Promise<void>): (reason: string) => Promise<void> {
  const { logger, timeoutMs, messages } = rules;
  const exit = rules.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | null = null;

  async function run(reason: string): Promise<void> {
    rules.onStart?.();
    logger.info({ reason, timeoutMs, ...rules.details?.() }, messages.started);
    const forced = setTimeout(() => {
      logger.error({ timeoutMs, ...rules.details?.() }, messages.timedOut);
      exit(1);
    }, timeoutMs);
    forced.unref();
    try {
      await stop(reason);
      clearTimeout(forced);
      logger.info(messages.done);
      exit(0);
    } catch (error) {
      clearTimeout(forced);
      logger.error({ err: error }, 'shutdown failed');
      exit(1);
    }
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    running ??= run(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return (reason) => (running ??= run(reason));
}
