/** A bad environment: its message names every variable at fault, so the process can print one line and stop. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
