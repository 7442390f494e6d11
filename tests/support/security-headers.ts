import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * The headers helmet's defaults set, by lower-case name, as the installed helmet sets them:
 * what the API sends with SECURITY_HEADERS=app, and what nginx/security-headers.conf must send
 * in its place. Read from helmet itself, so an upgrade that changes them fails the edge tests.
 */
export function helmetDefaultHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
    removeHeader: () => undefined,
  };
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/** Every copy of a header in a response, in order (node's `headers` joins or drops repeated ones). */
export function headerCopies(rawHeaders: string[], name: string): string[] {
  const copies: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name.toLowerCase()) copies.push(rawHeaders[i + 1]!);
  }
  return copies;
}
