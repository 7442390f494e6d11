import { readFileSync } from 'node:fs';
import { fileVariableOf, secretSettings } from './schema';

export interface SecretFiles {
  /** The environment with each `<NAME>_FILE` read into NAME. */
  environment: Record<string, string>;
  /** Settings whose value came from a file, with the variable that named it. */
  readFrom: Map<string, string>;
  /** One line per bad variable, each naming it. */
  problems: string[];
}

/**
 * Reads every secret setting given as a file: `<NAME>_FILE` holds a path, and the file's
 * content, less its trailing line breaks (what `echo` and editors leave), becomes NAME. Both
 * set, a file that cannot be read, and an empty file are problems naming the variable: a
 * deployment whose secret did not arrive must stop at start-up, not run on a default.
 * Expects empty values already dropped (an empty variable is an unset one).
 */
export function readSecretFiles(environment: Record<string, string>): SecretFiles {
  const result: SecretFiles = { environment: { ...environment }, readFrom: new Map(), problems: [] };
  for (const setting of secretSettings) {
    const fileVariable = fileVariableOf(setting);
    const path = environment[fileVariable];
    if (path === undefined) continue;
    if (environment[setting] !== undefined) {
      result.problems.push(`${setting} and ${fileVariable} are both set: set one of them`);
      continue;
    }
    const content = readContent(path);
    if (typeof content !== 'string') {
      result.problems.push(`${fileVariable} names a file that cannot be read (${path}: ${content.reason})`);
    } else if (content === '') {
      result.problems.push(`${fileVariable} names an empty file (${path})`);
    } else {
      result.environment[setting] = content;
      result.readFrom.set(setting, fileVariable);
    }
  }
  return result;
}

function readContent(path: string): string | { reason: string } {
  try {
    return readFileSync(path, 'utf8').replace(/[\r\n]+$/, '');
  } catch (error) {
    // The code (ENOENT, EACCES, EISDIR) says it all; the message would repeat the path.
    const code = (error as NodeJS.ErrnoException).code;
    return { reason: code ?? String(error) };
  }
}
