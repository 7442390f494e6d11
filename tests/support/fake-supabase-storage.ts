import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The subset of the Supabase Storage REST API our driver uses (upload, download, remove,
 * sign), backed by a Map. It records every request so tests can check exactly what our
 * client sent. Supabase cannot run here; this stands in for it alone.
 */
export async function startFakeSupabaseStorage(
  serviceKey: string,
): Promise<{ url: string; requests: CapturedRequest[]; objects: Map<string, Buffer>; close(): Promise<void> }> {
  const requests: CapturedRequest[] = [];
  const objects = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const json = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${serviceKey}` || req.headers.apikey !== serviceKey) {
        json(403, { statusCode: '403', error: 'Unauthorized', message: 'invalid key' });
        return;
      }
      const object = /^\/storage\/v1\/object\/([^/]+)\/(.+)$/.exec(path);
      const sign = /^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/.exec(path);
      const bucketOnly = /^\/storage\/v1\/object\/([^/]+)$/.exec(path);
      if (req.method === 'POST' && sign) {
        const { expiresIn } = JSON.parse(body.toString()) as { expiresIn: number };
        json(200, { signedURL: `/object/sign/${sign[1]}/${sign[2]}?token=signed-${expiresIn}` });
      } else if (req.method === 'POST' && object) {
        const key = `${object[1]}/${object[2]}`;
        if (objects.has(key)) {
          json(400, { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' });
          return;
        }
        objects.set(key, body);
        json(200, { Key: key, Id: 'id' });
      } else if (req.method === 'GET' && object) {
        const stored = objects.get(`${object[1]}/${object[2]}`);
        if (!stored) json(400, { statusCode: '404', error: 'not_found', message: 'Object not found' });
        else res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(stored);
      } else if (req.method === 'DELETE' && bucketOnly) {
        const { prefixes } = JSON.parse(body.toString()) as { prefixes: string[] };
        for (const prefix of prefixes) objects.delete(`${bucketOnly[1]}/${prefix}`);
        json(
          200,
          prefixes.map((name) => ({ name })),
        );
      } else {
        json(404, { statusCode: '404', error: 'not_found', message: `no route ${req.method} ${path}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    objects,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
