import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors/app-error';

/** What Node's HTTP parser reports for a request it cannot read, as one of our errors. */
const parserErrors: Record<string, () => AppError> = {
  HPE_HEADER_OVERFLOW: () => new AppError('HEADERS_TOO_LARGE'),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: () => new AppError('PAYLOAD_TOO_LARGE', 'The chunk extensions are too large'),
  ERR_HTTP_REQUEST_TIMEOUT: () => new AppError('REQUEST_TIMEOUT'),
};

/**
 * Requests the HTTP parser refuses never reach Express, so Node answered them itself with an
 * empty body (a 431 for headers over its limit). They get the API's error shape instead. The
 * connection is closed: after a parse error the stream cannot be trusted.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, code, message } = parserErrors[error.code ?? '']?.() ?? new AppError('BAD_REQUEST');
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
