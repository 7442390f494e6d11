import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a Redis server that can make connections hang the way a frozen or
 * vanished master does: the socket stays open and nothing comes back. While `hangBlocking` is
 * on, a connection that sends a blocking pop (Bull's BRPOPLPUSH) is frozen for good in both
 * directions; every other connection, and every one after it is switched off, passes through.
 */
export interface HangingProxy {
  readonly url: string;
  hangBlocking: boolean;
  /** Connections frozen so far. */
  frozen(): number;
  close(): Promise<void>;
}

export async function startHangingProxy(targetPort: number): Promise<HangingProxy> {
  const sockets = new Set<Socket>();
  let frozen = 0;
  const proxy: { hangBlocking: boolean } = { hangBlocking: false };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    let hung = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        if (!hung) (socket === client ? upstream : client).destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (hung) return;
      if (proxy.hangBlocking && /BRPOPLPUSH/i.test(chunk.toString('latin1'))) {
        hung = true;
        frozen++;
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!hung) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `redis://127.0.0.1:${port}`,
    frozen: () => frozen,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
