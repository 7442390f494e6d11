import { ConfigError, loadConfig, type Config } from './config';

/** One line on stderr, prefixed with the program's name, then exit 1: how entry points fail. */
export function exitWithMessage(program: string, message: string): never {
  process.stderr.write(`${program}: ${message}\n`);
  process.exit(1);
}

/** The validated configuration, or a line naming every bad variable and exit 1. */
export function configOrExit(program: string): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    exitWithMessage(program, error.message);
  }
}
