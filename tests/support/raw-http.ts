import { connect } from 'node:net';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Names and values as they came, repeated headers included. */
  rawHeaders: string[];
  body: string;
}

/**
 * One request on a connection of its own from a chosen loopback address, with any body and
 * headers (fetch cannot pick the client address, nor send X-Forwarded-For as it is).
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; localAddress?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false, timeout: 20_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A multipart/form-data body with one file field. */
export function multipart(
  field: string,
  filename: string,
  content: Buffer,
  type = 'application/octet-stream',
): { body: Buffer; headers: Record<string, string> } {
  const boundary = `----ep${Date.now().toString(16)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) } };
}

/**
 * Bytes written as they are on a new connection (a request without Host, a malformed one) and
 * everything the server sent back until it closed or went quiet for 2 s.
 */
export function rawExchange(port: number, text: string, localAddress?: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let received = '';
    const done = (): void => {
      socket.destroy();
      const [head = '', body = ''] = received.split(/\r\n\r\n([\s\S]*)/, 2);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, body });
    };
    socket.setEncoding('utf8');
    socket.setTimeout(2000, done);
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('end', done);
    socket.on('error', (error) => (received === '' ? reject(error) : done()));
    socket.write(text);
  });
}
