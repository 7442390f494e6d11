import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version in package.json; this file sits three levels below it in both src/ and dist/. */
export function readPackageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
