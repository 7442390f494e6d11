/** The message of a thrown value, for logs, health outputs and one-line CLI errors. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
